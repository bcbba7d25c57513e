"""One scan for the host table: the core's events as they come, then what it learnt remembered."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

from nixswarm.model.facts_cache import FactsCache
from nixswarm.model.host import Host
from nixswarm.scan.session import Event, HostReport, ScanOptions
from nixswarm.store.settings import Settings
from nixswarm.store.state import State
from nixswarm.tui.services import Services


async def scan_events(
    services: Services, settings: Settings, state: State, options: ScanOptions, cache: FactsCache
) -> AsyncIterator[Event]:
    """Yield every event; when the scan is over, remember facts and discovered hosts as `nixswarm scan` does (in a
    thread: those writes fsync)."""
    discovered: dict[str, Host] = {}
    async for event in services.scan(settings, state, options, cache):
        if isinstance(event, HostReport) and settings.host(event.known.host.name) is None:
            discovered[event.known.host.name] = event.known.host
        yield event
    snapshot = FactsCache(dict(cache.items()))  # refreshes may add to the cache while the thread saves it
    await asyncio.to_thread(services.remember, snapshot, list(discovered.values()))  # atomic writes, fsync
