"""Render nixswarm's known_hosts: the approved key of each builder under its alias."""

from __future__ import annotations

from collections.abc import Iterable

from nixswarm.model.hostkey import HostKey
from nixswarm.ssh.alias import alias_for


def render_known_hosts(approved: Iterable[tuple[str, HostKey]]) -> str:
    """One `ALIAS TYPE BASE64` line per (host name, approved key)."""
    return "".join(f"{alias_for(name)} {key.line}\n" for name, key in approved)
