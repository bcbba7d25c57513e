"""Load refresh: the hosts that answered, over kept connections with cached facts (load, memory, space only)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable

from nixswarm.model.facts_cache import FactsCache
from nixswarm.probe.pool import ConnectionPool
from nixswarm.probe.ssh_target import SshTarget, target_for
from nixswarm.store.settings import Defaults
from nixswarm.store.state import State
from nixswarm.tui.board import HostRow
from nixswarm.tui.services import Outcome, Prober


def target(row: HostRow, defaults: Defaults, state: State) -> SshTarget:
    """How to reach the host, with the key approved now."""
    return target_for(
        row.known.host,
        user=defaults.user,
        identity=defaults.identity,
        approved=state.approved_key(row.name),
        timeout=defaults.timeout,
    )


def refresh_targets(rows: Iterable[HostRow], defaults: Defaults, state: State) -> list[SshTarget]:
    """Every host whose probe once succeeded."""
    return [target(row, defaults, state) for row in rows if row.result is not None]


async def read(
    prober: Prober, targets: list[SshTarget], cache: FactsCache, pool: ConnectionPool
) -> AsyncIterator[tuple[str, Outcome]]:
    """(host name, outcome) as each answers."""
    if not targets:
        return
    async for done, outcome in prober(targets, cache, pool):
        yield done.host.name, outcome
