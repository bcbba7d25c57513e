"""One scan: probe the local machine, the known hosts and what mDNS finds, streaming events."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Coroutine
from dataclasses import dataclass, field

from nixswarm.discovery.record import Advert
from nixswarm.inventory import Inventory, Known
from nixswarm.model.host import Host
from nixswarm.model.hostkey import HostKey
from nixswarm.model.local import LocalMachine
from nixswarm.model.probe import ProbeFailure, ProbeResult
from nixswarm.model.trust import TrustState, trust_state
from nixswarm.probe.facts_cache import FactsCache
from nixswarm.probe.remote import probe_host
from nixswarm.probe.ssh_target import target_for
from nixswarm.store.settings import Settings
from nixswarm.store.state import State


@dataclass(frozen=True)
class ScanOptions:
    """How to scan."""

    mdns: bool = True
    """Browse mDNS."""
    mdns_wait: float = 1.5
    """How long to listen for adverts, seconds."""
    interfaces: tuple[str, ...] = ()
    """Local addresses to pin mDNS to."""
    extra_hosts: tuple[Host, ...] = ()
    """Hosts named on the command line for this scan."""
    probe_ssh: bool = False
    """Also probe plain `_ssh._tcp` servers."""
    concurrency: int = 64
    """Probes at once."""


@dataclass(frozen=True)
class HostReport:
    """A host and the outcome of its probe."""

    known: Known
    """The host as the inventory has it."""
    outcome: ProbeResult | ProbeFailure | None
    """None when it was not probed (a plain ssh server)."""
    trust: TrustState
    """Compared with the approved key."""
    warnings: tuple[str, ...] = field(default=())
    """For instance an advertised fingerprint that differs from the presented key."""


@dataclass(frozen=True)
class LocalReport:
    """The local machine."""

    local: LocalMachine


@dataclass(frozen=True)
class Dropped:
    """An mDNS record that failed validation."""

    reason: str


Event = HostReport | LocalReport | Dropped


async def scan(
    settings: Settings, state: State, options: ScanOptions, cache: FactsCache | None = None
) -> AsyncIterator[Event]:
    """Yield events as they happen: the local machine, dropped records, and each host once probed."""
    from nixswarm.probe.local import probe_local

    inventory = Inventory(settings.hosts)
    for host in options.extra_hosts:
        inventory.add_host(host)
    queue: asyncio.Queue[Event | None] = asyncio.Queue()  # None: one producer finished
    limit = asyncio.Semaphore(max(1, options.concurrency))
    tasks: set[asyncio.Task[None]] = set()
    defaults = settings.defaults

    running = [0]  # producers launched and not yet finished

    def launch(work: Coroutine[object, object, None]) -> None:
        running[0] += 1

        async def run() -> None:
            try:
                await work
            finally:
                queue.put_nowait(None)

        task = asyncio.create_task(run())
        tasks.add(task)
        task.add_done_callback(tasks.discard)

    async def probe(known: Known) -> None:
        approved = state.approved_key(known.host.name)
        if known.ssh_only and not options.probe_ssh:
            await queue.put(HostReport(known, None, trust_state(approved, None)))
            return
        target = target_for(
            known.host, user=defaults.user, identity=defaults.identity, approved=approved, timeout=defaults.timeout
        )
        async with limit:
            outcome = await probe_host(target, cache)
        await queue.put(_report(known, outcome, approved))

    async def local() -> None:
        await queue.put(LocalReport(await probe_local()))

    async def browse() -> None:
        from nixswarm.discovery.browser import browse as mdns_browse

        async for item in mdns_browse(options.mdns_wait, options.interfaces):
            if isinstance(item, Advert):
                known, new = inventory.add_advert(item)
                if new:
                    launch(probe(known))
            else:
                await queue.put(Dropped(item))

    launch(local())
    for known in inventory:
        launch(probe(known))
    if options.mdns:
        launch(browse())
    try:
        while running[0]:
            event = await queue.get()
            if event is None:
                running[0] -= 1
            else:
                yield event
    finally:
        for task in list(tasks):
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


def _report(known: Known, outcome: ProbeResult | ProbeFailure, approved: HostKey | None) -> HostReport:
    presented = outcome.host_key
    trust = trust_state(approved, presented)
    warnings: list[str] = []
    fingerprint = presented.fingerprint if presented else None
    if known.advertised_fingerprint and fingerprint and known.advertised_fingerprint != fingerprint:
        warnings.append(
            f"advertised fingerprint {known.advertised_fingerprint} differs from the presented {fingerprint}"
        )
    return HostReport(known, outcome, trust, tuple(warnings))
