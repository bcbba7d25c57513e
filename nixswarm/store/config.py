"""The config file and state the app edits: saved as the user set them, used with the command-line overrides."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from nixswarm.model.choice import Choice
from nixswarm.model.host import Host
from nixswarm.model.hostkey import HostKey
from nixswarm.store import paths
from nixswarm.store.settings import HostEntry, Overrides, Settings
from nixswarm.store.settings_file import load_settings, save_settings
from nixswarm.store.state import State, load_state, save_state


class Config:
    """What config.toml and state.json hold; every change is written at once (atomically)."""

    def __init__(self, path: Path, overrides: Overrides | None = None) -> None:
        """overrides: --user, --identity and --timeout, used for this run and never saved."""
        self.path = path
        self.overrides = overrides or Overrides()
        self.saved = load_settings(path)
        self.state: State = load_state(paths.state_file())
        self.settings = self._effective()

    def _effective(self) -> Settings:
        return Settings(self.saved.defaults.with_overrides(self.overrides), self.saved.hosts)

    def _save(self, settings: Settings) -> None:
        save_settings(self.path, settings)
        self.saved = settings
        self.settings = self._effective()

    def set_choice(self, host: Host, choice: Choice) -> None:
        """Save the choice for host, adding the host to the config when only a scan knew it."""
        entry = self.saved.host(host.name)
        self._save(self.saved.with_host(HostEntry(entry.host if entry else host, choice)))

    def set_local_weight(self, weight: float | None) -> None:
        """Save defaults.local_weight (None: Nix's own behaviour)."""
        self._save(Settings(replace(self.saved.defaults, local_weight=weight), self.saved.hosts))

    def set_theme(self, name: str) -> None:
        """Save defaults.theme."""
        if name != self.saved.defaults.theme:
            self._save(Settings(replace(self.saved.defaults, theme=name), self.saved.hosts))

    def approve(self, entry: HostEntry, key: HostKey) -> None:
        """Approve key for the host (replacing an earlier approval) and keep the host in the config."""
        state = self.state.approve(entry.host.name, key)
        save_state(paths.state_file(), state)
        self.state = state
        if self.saved.host(entry.host.name) is None:
            self._save(self.saved.with_host(entry))
