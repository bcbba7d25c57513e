"""One scan: probe the local machine, the known hosts and what mDNS finds, streaming events."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Coroutine
from dataclasses import dataclass, field

from nixswarm.discovery.record import Advert
from nixswarm.model.facts_cache import FactsCache
from nixswarm.model.host import Host
from nixswarm.model.hostkey import HostKey
from nixswarm.model.local import LocalMachine
from nixswarm.model.probe import ProbeFailure, ProbeResult
from nixswarm.model.trust import TrustState, trust_state
from nixswarm.probe.remote import probe_host
from nixswarm.probe.ssh_target import target_for
from nixswarm.scan.inventory import Inventory, Known
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
class Found:
    """mDNS found a new machine; its HostReport follows once the probe answers."""

    known: Known
    """The host as the advert describes it."""


@dataclass(frozen=True)
class Dropped:
    """An mDNS record that failed validation."""

    reason: str


Event = HostReport | LocalReport | Dropped | Found


async def scan(
    settings: Settings, state: State, options: ScanOptions, cache: FactsCache | None = None
) -> AsyncIterator[Event]:
    """Yield events as they happen: the local machine, dropped records, each machine mDNS finds (Found) and each
    host once probed.

    A host is reported again, with the same outcome, when a later advert adds to it (another address or service).
    """
    run = _ScanRun(settings, state, options, cache)
    async for event in run.events():
        yield event


class _ScanRun:
    """The producers of one scan (local probe, host probes, mDNS browse) feeding one queue."""

    def __init__(self, settings: Settings, state: State, options: ScanOptions, cache: FactsCache | None) -> None:
        self.defaults = settings.defaults
        self.state = state
        self.options = options
        self.cache = cache
        self.inventory = Inventory(settings.hosts)
        for host in options.extra_hosts:
            self.inventory.add_host(host)
        self.queue: asyncio.Queue[Event | None] = asyncio.Queue()  # None: one producer finished
        self.limit = asyncio.Semaphore(max(1, options.concurrency))
        self.tasks: set[asyncio.Task[None]] = set()
        self.running = 0  # producers launched and not yet finished
        self.reported: dict[str, ProbeResult | ProbeFailure | None] = {}  # by host name, once probed

    async def events(self) -> AsyncIterator[Event]:
        self.launch(self.local())
        for known in self.inventory:
            self.launch(self.probe(known))
        if self.options.mdns:
            self.launch(self.browse())
        try:
            while self.running:
                event = await self.queue.get()
                if event is None:
                    self.running -= 1
                else:
                    yield event
        finally:
            for task in list(self.tasks):
                task.cancel()
            await asyncio.gather(*self.tasks, return_exceptions=True)

    def launch(self, work: Coroutine[object, object, None]) -> None:
        self.running += 1

        async def run() -> None:
            try:
                await work
            finally:
                self.queue.put_nowait(None)

        task = asyncio.create_task(run())
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    def _skipped(self, known: Known) -> bool:
        return known.ssh_only and not self.options.probe_ssh

    async def probe(self, known: Known) -> None:
        name = known.host.name
        approved = self.state.approved_key(name)
        if self._skipped(known):
            self.reported[name] = None
            await self.queue.put(HostReport(known, None, trust_state(approved, None)))
            return
        d = self.defaults
        target = target_for(known.host, user=d.user, identity=d.identity, approved=approved, timeout=d.timeout)
        async with self.limit:
            outcome = await probe_host(target, self.cache)
        self.reported[name] = outcome
        await self.queue.put(_report(self.inventory.current(known), outcome, approved))

    def merged(self, known: Known) -> None:
        """A later advert added to a host: probe it if it now counts as a builder, else report it again."""
        name = known.host.name
        if name not in self.reported:
            return  # its probe is running and will report the merged host
        outcome = self.reported[name]
        approved = self.state.approved_key(name)
        if outcome is None and not self._skipped(known):
            del self.reported[name]
            self.launch(self.probe(known))
        elif outcome is None:
            self.queue.put_nowait(HostReport(known, None, trust_state(approved, None)))
        else:
            self.queue.put_nowait(_report(known, outcome, approved))

    async def local(self) -> None:
        from nixswarm.probe.local import probe_local

        await self.queue.put(LocalReport(await probe_local()))

    async def browse(self) -> None:
        from nixswarm.discovery.browser import browse as mdns_browse

        async for item in mdns_browse(self.options.mdns_wait, self.options.interfaces):
            if isinstance(item, Advert):
                known, new = self.inventory.add_advert(item)
                if new:
                    await self.queue.put(Found(known))
                    self.launch(self.probe(known))
                else:
                    self.merged(known)
            else:
                await self.queue.put(Dropped(item))


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
