"""Probe 1, 10 and 30 lab builders: a naive ssh + `nix show-config` per host, nixswarm full, nixswarm refresh."""

from __future__ import annotations

import asyncio
import statistics
from collections.abc import Sequence

from bench.plots import link
from bench.results import Figures, Section
from bench.stats import summary, timed
from nixswarm.model.facts_cache import FactsCache
from nixswarm.model.host import Host
from nixswarm.model.probe import ProbeFailure
from nixswarm.probe.pool import ConnectionPool
from nixswarm.probe.probe_all import probe_all
from nixswarm.probe.ssh_target import SshTarget
from tests.lab import BuilderSpec, Lab

SIZES = (1, 10, 30)
ROUNDS = 5
TARGETS = {"full": 1.5, "refresh": 0.5}
"""Seconds for 30 builders."""


def _targets(lab: Lab) -> list[SshTarget]:
    return [SshTarget(Host(b.name, (b.address,)), "root", str(lab.client_key), None, 10.0) for b in lab.builders]


async def _probe(targets: Sequence[SshTarget], cache: FactsCache | None, pool: ConnectionPool | None) -> None:
    async for target, outcome in probe_all(targets, cache=cache, pool=pool):
        if isinstance(outcome, ProbeFailure):
            raise RuntimeError(f"{target.host.name}: {outcome}")


async def _naive(lab: Lab) -> None:
    """What one would write by hand: OpenSSH to every host at once, one `nix show-config --json`."""

    async def one(address: str) -> None:
        proc = await asyncio.create_subprocess_exec(
            "ssh",
            "-F",
            "/dev/null",
            "-i",
            str(lab.client_key),
            "-o",
            "IdentitiesOnly=yes",
            "-o",
            "StrictHostKeyChecking=no",
            "-o",
            "UserKnownHostsFile=/dev/null",
            "-o",
            "LogLevel=ERROR",
            f"root@{address}",
            "nix --extra-experimental-features nix-command show-config --json",
            stdout=asyncio.subprocess.DEVNULL,
        )
        if await proc.wait() != 0:
            raise RuntimeError(f"naive probe of {address} failed")

    await asyncio.gather(*(one(b.address) for b in lab.builders))


def _measure(lab: Lab) -> dict[str, list[float]]:
    targets = _targets(lab)
    naive = [timed(lambda: asyncio.run(_naive(lab))) for _ in range(ROUNDS)]
    full = [timed(lambda: asyncio.run(_probe(targets, FactsCache(), None))) for _ in range(ROUNDS)]

    async def refreshes() -> list[float]:
        pool, cache = ConnectionPool(), FactsCache()
        await _probe(targets, cache, pool)  # the first scan of a session: connects and caches
        samples = []
        loop = asyncio.get_running_loop()
        for _ in range(ROUNDS):
            started = loop.time()
            await _probe(targets, cache, pool)
            samples.append(loop.time() - started)
        await pool.close()
        return samples

    return {"naive": naive, "full": full, "refresh": asyncio.run(refreshes())}


def run() -> Section:
    """The markdown section and its samples."""
    rows: list[str] = []
    measured: list[Figures] = []
    for size in SIZES:
        with Lab([BuilderSpec() for _ in range(size)]) as lab:
            m = _measure(lab)
        measured.append({"builders": size, **m})
        ratio = statistics.median(m["naive"]) / statistics.median(m["full"])
        rows.append(
            f"| {size} | {summary(m['naive'])} | {summary(m['full'])} | {summary(m['refresh'])} | {ratio:.1f}x |"
        )
    markdown = "\n".join(
        [
            "## Scan: probing lab builders",
            "",
            f"Seconds, median (min-max) of {ROUNDS} rounds, all hosts at once. *naive*: OpenSSH to every host, "
            "`nix show-config --json`. *full*: nixswarm's one-round-trip probe on fresh connections with an empty "
            "facts cache. *refresh*: the next scan of a session (connections kept, Nix facts cached per host key: "
            f"only load, memory and free space are read). Targets for {SIZES[-1]} builders: full <= "
            f"{TARGETS['full']} s, "
            f"refresh <= {TARGETS['refresh']} s.",
            "",
            "| builders | naive | nixswarm full | nixswarm refresh | naive / full |",
            "|---:|---:|---:|---:|---:|",
            *rows,
            "",
            link("scan"),
        ]
    )
    return Section("scan", markdown, {"rounds": ROUNDS, "targets": TARGETS, "rows": measured})
