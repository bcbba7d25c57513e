"""JSON-ready dictionaries of domain objects, for `--json` output."""

from __future__ import annotations

from typing import Any

from nixswarm.model.host import Host
from nixswarm.model.local import LocalMachine
from nixswarm.model.probe import ProbeFailure, ProbeResult
from nixswarm.scan.session import HostReport
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


def _where(host: Host) -> dict[str, Any]:
    """Who and where a host is, as every host of the JSON documents starts."""
    return {
        "name": host.name,
        "addresses": list(host.addresses),
        "port": host.port,
        "user": host.user,
        "sources": [s.value for s in host.sources],
    }


def _limits(host: Host) -> dict[str, Any]:
    """The owner's limits (None: not set)."""
    return {"owner_max_jobs": host.max_jobs, "owner_max_load": host.max_load}


def host_dict(entry: HostEntry, state: State) -> dict[str, Any]:
    """A configured host, with what is known of it without probing."""
    host = entry.host
    key = state.approved_key(host.name)
    return {
        **_where(host),
        "enabled": entry.choice.enabled,
        "max_jobs": entry.choice.max_jobs,
        "speed_factor": entry.choice.speed_factor,
        **_limits(host),
        "systems": list(host.systems),
        "features": list(host.features),
        "mandatory_features": list(host.mandatory_features),
        "host_key": key.line if key else None,
        "fingerprint": key.fingerprint if key else None,
        "trust": "approved" if key else "unknown",
    }


def report_dict(report: HostReport) -> dict[str, Any]:
    """A probed host, in the `scan --json` schema."""
    host = report.known.host
    outcome = report.outcome
    result = outcome if isinstance(outcome, ProbeResult) else None
    key = outcome.host_key if outcome is not None else None
    nix = result.nix if result else None
    return {
        **_where(host),
        "reachable": result is not None,
        "error": outcome.message if isinstance(outcome, ProbeFailure) else None,
        "error_kind": outcome.kind.value if isinstance(outcome, ProbeFailure) else None,
        "nix_version": str(nix.version) if nix else None,
        "systems": list(nix.systems) if nix else list(host.systems),
        "features": list(nix.features) if nix else list(host.features),
        "mandatory_features": list(host.mandatory_features),
        "cores": result.cores if result else None,
        "load": round(result.load, 2) if result else None,
        "mem_total_bytes": result.mem_total_bytes if result else None,
        "mem_available_bytes": result.mem_available_bytes if result else None,
        "store_free_bytes": result.store_free_bytes if result else None,
        "host_key": key.line if key else None,
        "fingerprint": key.fingerprint if key else None,
        "advertised_fingerprint": report.known.advertised_fingerprint,
        "trust": report.trust.value,
        "enabled": report.known.choice.enabled,
        **_limits(host),
        "warnings": list(report.warnings),
        "rtt_ms": result.rtt_ms if result else None,
        "probe_ms": result.probe_ms if result else None,
    }
