"""`nixswarm explain --drv`: every selected builder's score for one derivation, as the scheduler would rank them.

Each host is probed now (load, CPUs) and asked which of the derivation's inputs it already has (one command over
the probe's connection, the paths on its stdin); sizes come from the local store.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

from nixswarm.errors import NixswarmError
from nixswarm.files.selection import Selected, resolve
from nixswarm.history.drv_system import system_of
from nixswarm.hook.drvfile import DrvError, required_features
from nixswarm.hook.drvinputs import input_paths, parse_inputs
from nixswarm.hook.hosts import HostInfo
from nixswarm.hook.score import Score, Situation, rank
from nixswarm.hook.sizes import path_bytes
from nixswarm.model.probe import ProbeFailure, ProbeResult
from nixswarm.probe.pool import ConnectionPool
from nixswarm.probe.probe_all import probe_all
from nixswarm.probe.ssh_target import SshTarget, target_for
from nixswarm.store import paths
from nixswarm.store.facts_file import load_facts
from nixswarm.store.settings import Settings
from nixswarm.store.state import State

PRESENT = 'while read -r p; do [ -e "$p" ] && echo "$p"; done; true'
"""Run on each host: prints those of the paths on its stdin that exist (a fixed command; the paths are data)."""


@dataclass(frozen=True)
class DrvExplanation:
    """The ranking of one derivation."""

    drv: str
    system: str
    features: tuple[str, ...]
    inputs: tuple[str, ...]
    input_bytes: int
    scores: list[Score]
    """Eligible hosts, best first."""
    left_out: list[tuple[str, str]]
    """Other hosts and why."""


def read_drv(drv: str) -> tuple[str, tuple[str, ...]]:
    """The derivation's system and required features, from its .drv file; NixswarmError when unreadable."""
    try:
        data = open(drv, "rb").read()  # noqa: PTH123, SIM115
        parse_inputs(data)
    except (OSError, DrvError, IndexError) as err:
        raise NixswarmError(f"--drv {drv}: not a readable derivation ({err})", title="Usage") from None
    return system_of(data) or "", required_features(data)


async def _present(pool: ConnectionPool, target: SshTarget, inputs: tuple[str, ...]) -> set[str]:
    conn: Any = pool.get(target)
    if conn is None or not inputs:
        return set()
    try:
        async with asyncio.timeout(target.timeout):
            done = await conn.run(PRESENT, input="".join(f"{p}\n" for p in inputs), check=False)
    except (OSError, TimeoutError, Exception):  # any ssh fault: the host is scored as having nothing
        return set()
    said = done.stdout if isinstance(done.stdout, str) else ""
    wanted = set(inputs)
    return {line for line in said.splitlines()[: len(inputs)] if line in wanted}


def host_info(s: Selected, result: ProbeResult) -> HostInfo:
    host, choice = s.entry.host, s.entry.choice
    return HostInfo(
        host.name,
        "",
        systems=host.systems or result.nix.systems,
        features=host.features or result.nix.features,
        mandatory=host.mandatory_features,
        slots=s.entry.max_jobs,
        speed=choice.speed_factor,
        cores=max(1, result.cores),
        max_load=host.max_load,
        load=result.load,
    )


async def explain_drv(
    settings: Settings, state: State, drv: str, *, features: tuple[str, ...] | None = None, timeout: float = 3.0
) -> DrvExplanation:
    """Probe the selected hosts and rank them for drv."""
    system, found = read_drv(drv)
    required = found if features is None else features
    inputs = tuple(input_paths(drv))
    selected, skipped = resolve(settings, state, facts=load_facts(paths.facts_file()))
    d = settings.defaults
    targets = {
        target_for(s.entry.host, user=d.user, identity=d.identity, approved=s.key, timeout=timeout): s for s in selected
    }
    pool = ConnectionPool()
    hosts: list[HostInfo] = []
    has: dict[str, set[str]] = {}
    left_out = [(s.name, s.reason) for s in skipped]
    try:
        async for target, outcome in probe_all(list(targets), pool=pool):
            if isinstance(outcome, ProbeFailure):
                left_out.append((target.host.name, f"not reachable: {outcome.message}"))
                continue
            hosts.append(host_info(targets[target], outcome))
            has[target.host.name] = await _present(pool, target, inputs)
    finally:
        await pool.close()
    order = [s.entry.host.name for s in selected]
    hosts.sort(key=lambda h: order.index(h.name))
    sizes = {p: path_bytes(p) for p in inputs}
    situation = Situation(now=0.0, has=has, size=sizes.__getitem__, running={}, waiting={}, loads={}, down={})
    scores, refused = rank(hosts, system, required, list(inputs), situation)
    return DrvExplanation(drv, system, required, inputs, sum(sizes.values()), scores, [*refused, *left_out])
