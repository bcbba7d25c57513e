"""Probe the local machine: psutil for the hardware, its own Nix for the rest."""

from __future__ import annotations

import socket

import psutil

from nixswarm.model.local import LocalMachine
from nixswarm.nix.local_nix import local_nix_facts


def _store_free() -> int | None:
    """Free space where the store is or would be created."""
    for path in ("/nix/store", "/nix", "/"):
        try:
            return int(psutil.disk_usage(path).free)
        except OSError:
            continue
    return None


async def probe_local(timeout: float = 10.0) -> LocalMachine:
    """The local machine; Nix missing or broken is recorded, not raised."""
    memory = psutil.virtual_memory()
    nix, error = None, None
    try:
        nix = await local_nix_facts(timeout)
    except RuntimeError as err:
        error = str(err)
    return LocalMachine(
        hostname=socket.gethostname(),
        cores=psutil.cpu_count() or 1,
        load=psutil.getloadavg()[0],
        mem_total_bytes=int(memory.total),
        mem_available_bytes=int(memory.available),
        store_free_bytes=_store_free(),
        nix=nix,
        nix_error=error,
    )
