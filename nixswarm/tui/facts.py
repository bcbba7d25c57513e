"""Every fact known of a host, as (label, value) pairs for the details screen."""

from __future__ import annotations

import time
from collections.abc import Sequence

from nixswarm.history.queries import RecentRun
from nixswarm.tui.board import HostRow, LocalRow
from nixswarm.tui.cells import status_text

Facts = list[tuple[str, str]]


def size(value: int | None) -> str:
    """Bytes in binary units."""
    if value is None:
        return "-"
    amount = float(value)
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if amount < 1024 or unit == "TiB":
            return f"{amount:.0f} {unit}" if unit == "B" else f"{amount:.1f} {unit}"
        amount /= 1024
    return f"{value} B"


def _list(values: tuple[str, ...]) -> str:
    return ", ".join(values) or "-"


def host_facts(row: HostRow) -> Facts:
    """Where it is, what the user chose, what the probe read, and the trust of its key."""
    host, choice, result = row.known.host, row.known.choice, row.result
    facts: Facts = [
        ("name", host.name),
        ("addresses", _list(host.addresses)),
        ("port", str(host.port)),
        ("user", host.user or "(default)"),
        ("identity", host.identity_file or "(default)"),
        ("found by", _list(tuple(s.value for s in host.sources))),
        ("in config", "yes" if row.known.configured else "no (only a scan found it)"),
        ("used", "yes" if choice.enabled else "no"),
        ("max jobs", str(choice.max_jobs)),
        ("speed factor", f"{choice.speed_factor:g}"),
        *([("owner's limits", host.limits)] if host.limits else []),
        ("status", status_text(row)),
    ]
    if result is not None:
        nix = result.nix
        facts += [
            ("nix", str(nix.version)),
            ("systems", _list(nix.systems)),
            ("features", _list(nix.features)),
            ("mandatory features", _list(host.mandatory_features)),
            ("its max-jobs / cores", f"{nix.max_jobs} / {nix.cores or 'all'}"),
            ("cpus", str(result.cores)),
            ("load", f"{result.load:.2f}"),
            ("memory", f"{size(result.mem_available_bytes)} free of {size(result.mem_total_bytes)}"),
            ("store free", size(result.store_free_bytes)),
            ("nix-store / nix-daemon", f"{_yes(result.has_nix_store)} / {_yes(result.has_nix_daemon)}"),
            ("round trip / probe", f"{result.rtt_ms:.1f} ms / {result.probe_ms:.1f} ms"),
        ]
    else:
        facts += [("systems", _list(host.systems)), ("features", _list(host.features))]
    key = row.presented
    facts += [
        ("trust", row.trust.value),
        ("presented key", key.fingerprint if key else "-"),
        ("advertised key", row.advertised or "-"),
    ]
    if row.failure is not None:
        facts.append(("error", row.failure.message))
    facts += [("warning", w) for w in row.warnings]
    return facts


def local_facts(row: LocalRow) -> Facts:
    """The local machine."""
    local, nix = row.local, row.local.nix
    facts: Facts = [
        ("host name", local.hostname),
        ("cpus", str(local.cores)),
        ("load", f"{local.load:.2f}"),
        ("memory", f"{size(local.mem_available_bytes)} free of {size(local.mem_total_bytes)}"),
        ("store free", size(local.store_free_bytes)),
    ]
    if nix is not None:
        facts += [
            ("nix", str(nix.version)),
            ("systems", _list(nix.systems)),
            ("features", _list(nix.features)),
            ("max-jobs / cores", f"{nix.max_jobs} / {nix.cores or 'all'}"),
        ]
    if local.nix_error:
        facts.append(("error", local.nix_error))
    return facts


def _yes(value: bool) -> str:
    return "yes" if value else "no"


def recent_facts(runs: Sequence[RecentRun]) -> Facts:
    """A host's latest builds, newest first: `hello-2.12 built in 3.2 s (x86_64-linux, 12-02 01:05)`."""
    if not runs:
        return [("recent builds", "none recorded yet")]
    facts: Facts = []
    for r in runs:
        when = time.strftime("%m-%d %H:%M", time.localtime(r.started))
        facts.append(
            ("" if facts else "recent builds", f"{r.name} {r.outcome} in {r.seconds:.1f} s ({r.system}, {when})")
        )
    return facts
