"""Before a build: which selected hosts answer now with the key the user approved; all at once."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from nixswarm.errors import ConnectionFailure
from nixswarm.probe.hostkey_fetch import fetch_host_key
from nixswarm.selection import Selected, Skipped

CHECK_TIMEOUT = 1.5
"""Seconds a host gets to answer the pre-build check: a LAN host answers in milliseconds."""


async def _check(selected: Selected, timeout: float) -> Skipped | None:
    host = selected.entry.host
    try:
        key = await fetch_host_key(host.address, host.port, timeout)
    except ConnectionFailure as err:
        return Skipped(host.name, f"unreachable: {err.message}")
    if key != selected.key:
        return Skipped(
            host.name,
            f"HOST KEY CHANGED: approved {selected.key.fingerprint}, now {key.fingerprint}; never used until "
            f"you check why (nixswarm hosts trust {host.name})",
        )
    return None


async def check_reachable(
    selected: Sequence[Selected], timeout: float = CHECK_TIMEOUT
) -> tuple[list[Selected], list[Skipped]]:
    """The hosts that answered with their approved key, and why each other one is left out."""
    verdicts = await asyncio.gather(*(_check(s, timeout) for s in selected))
    ok = [s for s, v in zip(selected, verdicts, strict=True) if v is None]
    return ok, [v for v in verdicts if v is not None]
