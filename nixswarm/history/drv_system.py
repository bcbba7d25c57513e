"""The system a derivation is built for, read from its .drv file (ATerm)."""

from __future__ import annotations

import re

_SYSTEM = re.compile(rb'\],"([A-Za-z0-9_.+-]{1,64})","')
"""The system is the first string after the input sources list: `...],"x86_64-linux","/nix/store/...-bash"`.
No earlier `],"` exists: outputs are tuples of strings and input derivations end in `])`."""


def drv_system(drv_path: str) -> str | None:
    """The .drv's system; None when it cannot be read."""
    try:
        with open(drv_path, "rb") as drv:  # noqa: PTH123 (a plain open: this runs per derivation)
            data = drv.read()
    except OSError:
        return None
    return system_of(data)


def system_of(data: bytes) -> str | None:
    """The system in a .drv file's bytes; None when they are no derivation."""
    if not data.startswith(b"Derive("):
        return None
    match = _SYSTEM.search(data)
    return match.group(1).decode() if match else None
