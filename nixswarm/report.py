"""JSON-ready dictionaries of domain objects, for `--json` output."""

from __future__ import annotations

from typing import Any

from nixswarm.model.local import LocalMachine
from nixswarm.store.settings import HostEntry
from nixswarm.store.state import State


def local_dict(local: LocalMachine) -> dict[str, Any]:
    """The local machine."""
    nix = local.nix
    return {
        "hostname": local.hostname,
        "cores": local.cores,
        "load": round(local.load, 2),
        "mem_total_bytes": local.mem_total_bytes,
        "mem_available_bytes": local.mem_available_bytes,
        "store_free_bytes": local.store_free_bytes,
        "nix_version": str(nix.version) if nix else None,
        "systems": list(nix.systems) if nix else [],
        "features": list(nix.features) if nix else [],
        "max_jobs": nix.max_jobs if nix else None,
        "error": local.nix_error,
    }


def host_dict(entry: HostEntry, state: State) -> dict[str, Any]:
    """A configured host, with what is known of it without probing."""
    host = entry.host
    key = state.approved_key(host.name)
    return {
        "name": host.name,
        "addresses": list(host.addresses),
        "port": host.port,
        "user": host.user,
        "sources": [s.value for s in host.sources],
        "enabled": entry.choice.enabled,
        "max_jobs": entry.choice.max_jobs,
        "speed_factor": entry.choice.speed_factor,
        "systems": list(host.systems),
        "features": list(host.features),
        "mandatory_features": list(host.mandatory_features),
        "host_key": key.line if key else None,
        "fingerprint": key.fingerprint if key else None,
        "trust": "approved" if key else "unknown",
    }
