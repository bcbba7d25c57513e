"""XDG locations of nixswarm's files, as small functions so tests can point them elsewhere."""

from __future__ import annotations

import os
from pathlib import Path

from nixswarm.store.control_sockets import SHORT_BASE, SocketFolderTooLong, sockets_fit


def _xdg(variable: str, fallback: str) -> Path:
    value = os.environ.get(variable, "")
    base = Path(value) if value and Path(value).is_absolute() else Path.home() / fallback
    return base / "nixswarm"


def config_dir() -> Path:
    """$XDG_CONFIG_HOME/nixswarm."""
    return _xdg("XDG_CONFIG_HOME", ".config")


def state_dir() -> Path:
    """$XDG_STATE_HOME/nixswarm."""
    return _xdg("XDG_STATE_HOME", ".local/state")


def config_file() -> Path:
    """The TOML config."""
    return config_dir() / "config.toml"


def state_file() -> Path:
    """Approved host keys and the last probe results."""
    return state_dir() / "state.json"


def machines_file() -> Path:
    """nixswarm's machines file, for `--builders @FILE` or an include from /etc/nix/machines."""
    return config_dir() / "machines"


def ssh_config_file() -> Path:
    """nixswarm's ssh config, included from ~/.ssh/config."""
    return config_dir() / "ssh_config"


def control_dir() -> Path:
    """ssh ControlMaster sockets: $XDG_RUNTIME_DIR/nixswarm-ssh, else (unset or too long) /tmp/nixswarm-ssh-UID."""
    runtime = os.environ.get("XDG_RUNTIME_DIR", "")
    if runtime and Path(runtime).is_absolute() and sockets_fit(Path(runtime) / "nixswarm-ssh"):
        return Path(runtime) / "nixswarm-ssh"
    fallback = SHORT_BASE / f"nixswarm-ssh-{os.getuid()}"
    if not sockets_fit(fallback):
        raise SocketFolderTooLong(fallback)
    return fallback


def user_ssh_config() -> Path:
    """The user's own ~/.ssh/config (only ever given one Include line)."""
    return Path.home() / ".ssh" / "config"


def facts_file() -> Path:
    """Cached Nix facts per host key."""
    return state_dir() / "facts.json"


def seen_file() -> Path:
    """Hosts the last scans discovered, so `hosts trust NAME` can find them."""
    return state_dir() / "seen.json"


def history_file() -> Path:
    """Every finished derivation: name, host, seconds, outcome (SQLite)."""
    return state_dir() / "history.sqlite"
