"""Probe many hosts at once with a bounded pool; results stream out as they arrive."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence

from nixswarm.model.facts_cache import FactsCache
from nixswarm.model.probe import ProbeFailure, ProbeResult
from nixswarm.probe.pool import ConnectionPool
from nixswarm.probe.remote import probe_host
from nixswarm.probe.ssh_target import SshTarget

DEFAULT_CONCURRENCY = 64

Outcome = ProbeResult | ProbeFailure


async def probe_all(
    targets: Sequence[SshTarget],
    *,
    cache: FactsCache | None = None,
    pool: ConnectionPool | None = None,
    concurrency: int = DEFAULT_CONCURRENCY,
) -> AsyncIterator[tuple[SshTarget, Outcome]]:
    """Yield (target, outcome) in completion order; a slow or dead host delays nobody else.

    With a pool, connections stay open, so the next round over the same targets is a refresh of one command each.
    """
    limit = asyncio.Semaphore(max(1, concurrency))

    async def one(target: SshTarget) -> tuple[SshTarget, Outcome]:
        async with limit:
            return target, await probe_host(target, cache, pool)

    tasks = [asyncio.create_task(one(t)) for t in targets]
    try:
        for next_done in asyncio.as_completed(tasks):
            yield await next_done
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
