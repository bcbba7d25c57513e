"""The exact machines line `nixswarm write` would give a host, or why it gives none."""

from __future__ import annotations

from dataclasses import dataclass

from nixswarm.errors import ValidationError
from nixswarm.files.selection import Selected, machine_entry
from nixswarm.model.hostkey import HostKey
from nixswarm.model.nixversion import NixVersion
from nixswarm.nix.machines_render import render_entry
from nixswarm.store.settings import Defaults, HostEntry


@dataclass(frozen=True)
class MachinesLine:
    """A line and a note on it."""

    line: str | None
    """The rendered line; None when there can be none."""
    note: str
    """Whether and why it is (not) written."""


def machines_line(
    entry: HostEntry, approved: HostKey | None, defaults: Defaults, nix: NixVersion, *, configured: bool
) -> MachinesLine:
    """Rendered by the same code as the machines file, for the local Nix's version."""
    if approved is None:
        return MachinesLine(None, "none: its host key is not approved yet (t to check and trust it)")
    try:
        line = render_entry(machine_entry(Selected(entry, approved), defaults), nix)
    except ValidationError as err:
        return MachinesLine(None, f"none: {err.message}")
    if not configured:
        return MachinesLine(line, "not written yet: only a scan knows this host (space adds and uses it)")
    if not entry.choice.enabled:
        return MachinesLine(line, "not written while the host is not used (space uses it)")
    return MachinesLine(line, f"written by w (for Nix {nix})")
