"""The seams between the app and the core: what it calls to scan, probe, fetch keys and build; tests swap them."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, field

from nixswarm.build.eta import Expected, no_history
from nixswarm.build.pipeline import BuildListener, run_build
from nixswarm.build.prepare import BuildRequest
from nixswarm.history.queries import RecentRun
from nixswarm.model.facts_cache import FactsCache
from nixswarm.model.host import Host
from nixswarm.model.hostkey import HostKey
from nixswarm.model.probe import ProbeFailure, ProbeResult
from nixswarm.probe.pool import ConnectionPool
from nixswarm.probe.ssh_target import SshTarget
from nixswarm.scan.session import Event, ScanOptions
from nixswarm.store.settings import Settings
from nixswarm.store.state import State

Outcome = ProbeResult | ProbeFailure
RECENT_BUILDS = 8
"""A host's latest builds its details show."""

Scanner = Callable[[Settings, State, ScanOptions, FactsCache | None], AsyncIterator[Event]]
"""nixswarm.scan.session.scan."""
Prober = Callable[
    [Sequence[SshTarget], FactsCache | None, ConnectionPool | None], AsyncIterator[tuple[SshTarget, Outcome]]
]
"""Probe several hosts at once (with a pool and a facts cache, a refresh re-reads only load, memory, space)."""
KeyFetcher = Callable[[str, int, float], Awaitable[HostKey]]
"""nixswarm.probe.hostkey_fetch.fetch_host_key."""
Builder = Callable[[Settings, State, BuildRequest, BuildListener], Awaitable[int]]
"""nixswarm.build.pipeline.run_build: one build; nix's exit code."""


def _probe(
    targets: Sequence[SshTarget], cache: FactsCache | None, pool: ConnectionPool | None
) -> AsyncIterator[tuple[SshTarget, Outcome]]:
    from nixswarm.probe.probe_all import probe_all

    return probe_all(targets, cache=cache, pool=pool)


def _scan(settings: Settings, state: State, options: ScanOptions, cache: FactsCache | None) -> AsyncIterator[Event]:
    from nixswarm.scan.session import scan

    return scan(settings, state, options, cache)


async def _fetch_key(address: str, port: int, timeout: float) -> HostKey:
    from nixswarm.probe.hostkey_fetch import fetch_host_key

    return await fetch_host_key(address, port, timeout)


def _remember(cache: FactsCache, discovered: Iterable[Host]) -> None:
    from nixswarm.store import paths
    from nixswarm.store.facts_file import save_facts
    from nixswarm.store.seen_file import save_seen

    save_facts(paths.facts_file(), cache)
    save_seen(paths.seen_file(), discovered)


def _recent_builds() -> dict[str, tuple[RecentRun, ...]]:
    from nixswarm.history.database import read_history
    from nixswarm.history.queries import recent_runs
    from nixswarm.store import paths

    return read_history(paths.history_file(), lambda db: recent_runs(db, RECENT_BUILDS))[0] or {}


def _local_load() -> float:
    import psutil

    return float(psutil.getloadavg()[0])


@dataclass(frozen=True)
class Services:
    """The core functions the app calls; every default is the real one."""

    scan: Scanner = field(default=_scan)
    """Discover and probe."""
    probe: Prober = field(default=_probe)
    """Refresh load, or probe a host again after its key was approved."""
    fetch_key: KeyFetcher = field(default=_fetch_key)
    """The key a host presents, for the trust dialog."""
    build: Builder = field(default=run_build)
    """One build."""
    remember: Callable[[FactsCache, Iterable[Host]], None] = field(default=_remember)
    """After a scan: save the facts cache and the hosts it discovered, as `nixswarm scan` does."""
    local_load: Callable[[], float] = field(default=_local_load)
    """The local 1-minute load average."""
    clock: Callable[[], float] = field(default=time.monotonic)
    """Seconds, for elapsed times."""
    recent_builds: Callable[[], dict[str, tuple[RecentRun, ...]]] = field(default=_recent_builds)
    """Each host key's latest builds from the history (blocking: call it in a thread)."""
    expected: Expected = field(default=no_history)
    """expected(name, host): a derivation's expected seconds on a host, for the build screen's ETA."""
