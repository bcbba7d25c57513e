"""Render machines entries as a file that every supported Nix reads the same way."""

from __future__ import annotations

from collections.abc import Iterable

from nixswarm.errors import ValidationError
from nixswarm.model.nixversion import NixVersion
from nixswarm.nix.entry import MachineEntry

HEADER = "# Nix machines file written by nixswarm: it is rewritten whole, edit nixswarm's config instead"


def render_speed_factor(value: float, nix: NixVersion) -> str:
    """Column 5: an integer (rounded, at least 1) before Nix 2.20, a float after."""
    if not nix.float_speed_factor:
        return str(max(1, round(value)))
    return str(int(value)) if value.is_integer() else repr(value)


def render_entry(entry: MachineEntry, nix: NixVersion) -> str:
    """One line with all eight columns, '-' for every default."""
    if entry.port is not None and not nix.port_in_store_uri:
        raise ValidationError(
            "store URI port", entry.port, f"Nix {nix} cannot read a port in the URI: use an ssh Host alias"
        )
    if ":" in entry.host and not nix.port_in_store_uri:
        raise ValidationError(
            "store URI host",
            entry.host,
            f"Nix {nix} misreads an IPv6 address in the URI: use an ssh Host alias",
        )
    columns = [
        entry.store_uri,
        ",".join(entry.systems) or "-",
        entry.ssh_key or "-",
        str(entry.max_jobs),
        render_speed_factor(entry.speed_factor, nix),
        ",".join(entry.supported_features) or "-",
        ",".join(entry.mandatory_features) or "-",
        entry.host_key.column8 if entry.host_key else "-",
    ]
    return " ".join(columns)


def render_machines(entries: Iterable[MachineEntry], nix: NixVersion) -> str:
    """A newline-separated machines file: no ';', no leading spaces, safe for `--builders @FILE`."""
    lines = [HEADER, *(render_entry(e, nix) for e in entries)]
    return "\n".join(lines) + "\n"
