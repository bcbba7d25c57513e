"""What `w` writes: the machines file, ssh config and known_hosts of the selection, with a diff of each."""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from pathlib import Path

from nixswarm.errors import ConfigError
from nixswarm.files.selection import Skipped, resolve
from nixswarm.files.writer import Rendered, Targets, render_all, user_targets, write_all
from nixswarm.model.facts_cache import FactsCache
from nixswarm.model.nixversion import NixVersion
from nixswarm.ssh.include import ensure_include, has_include, include_line
from nixswarm.store import paths
from nixswarm.store.settings import Settings
from nixswarm.store.state import State


@dataclass(frozen=True)
class FileChange:
    """One file and how it would change."""

    path: Path
    """Where it is."""
    diff: tuple[str, ...]
    """Unified diff lines (empty: unchanged)."""
    new: bool
    """It does not exist yet."""


@dataclass(frozen=True)
class WritePlan:
    """Everything rendered, nothing written yet."""

    targets: Targets
    """The three files."""
    rendered: Rendered
    """Their new text."""
    builders: tuple[str, ...]
    """Hosts in the machines file."""
    skipped: tuple[Skipped, ...]
    """Hosts left out, and why."""
    changes: tuple[FileChange, ...]
    """Per file, the diff against what is there."""
    include: str | None
    """The Include line ~/.ssh/config gets at its top, if it lacks it."""


def _read(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None


def _change(path: Path, text: str) -> FileChange:
    old = _read(path)
    lines = difflib.unified_diff(
        (old or "").splitlines(),
        text.splitlines(),
        str(path) if old is not None else "/dev/null",
        str(path),
        lineterm="",
    )
    return FileChange(path, tuple(lines), old is None)


def plan_write(settings: Settings, state: State, nix: NixVersion, facts: FactsCache | None = None) -> WritePlan:
    """Render the saved selection as `nixswarm write` would (unknown systems and features from facts); any
    invalid value raises here."""
    selected, skipped = resolve(settings, state, facts=facts)
    targets = user_targets()
    rendered = render_all(selected, settings.defaults, nix, targets)
    changes = (
        _change(targets.machines, rendered.machines),
        _change(targets.ssh_config, rendered.ssh_config),
        _change(targets.known_hosts, rendered.known_hosts),
    )
    user_config = _read(paths.user_ssh_config()) or ""
    include = None if has_include(user_config, targets.ssh_config) else include_line(targets.ssh_config)
    builders = tuple(s.entry.host.name for s in selected)
    return WritePlan(targets, rendered, builders, tuple(skipped), changes, include)


def apply_write(plan: WritePlan) -> list[str]:
    """Write every file atomically and add the Include line; what was done, for the user."""
    write_all(plan.rendered, plan.targets)
    done = [f"wrote {plan.targets.machines} ({len(plan.builders)} builder(s))", f"wrote {plan.targets.ssh_config}"]
    try:
        if ensure_include(paths.user_ssh_config(), plan.targets.ssh_config):
            done.append(f"added '{include_line(plan.targets.ssh_config)}' to {paths.user_ssh_config()}")
    except ConfigError as err:
        raise ConfigError(f"the files are written, but: {err.message}") from None
    return done
