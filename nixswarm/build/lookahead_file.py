"""The scheduler's look ahead (hook/lookahead.py), written once the planned derivations are known: each one's
system, planned inputs, outputs and priority (its expected seconds plus the longest chain that needs it)."""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from pathlib import Path

from nixswarm.build.build_graph import critical_path
from nixswarm.build.eta import Expected
from nixswarm.history.drv_system import system_of
from nixswarm.hook.drvfile import DrvError, parse_outputs, required_features
from nixswarm.hook.drvinputs import STORE_PATH, parse_inputs
from nixswarm.hook.durations import ANY, drv_name
from nixswarm.hook.lookahead import FILE, MAX_DRVS, Entry, render
from nixswarm.hook.readfile import read_whole, replace_whole
from nixswarm.hook.score import DEFAULT_WORK


def plan_entries(drvs: Sequence[str], expected: Expected) -> dict[str, Entry]:
    """The entries for drvs (a .drv that cannot be read, or a path that is not a store path, is left out)."""
    wanted = {d for d in drvs if STORE_PATH.fullmatch(d)}
    read: dict[str, tuple[str, tuple[str, ...], tuple[str, ...], tuple[str, ...]]] = {}
    for drv in wanted:
        try:
            data = read_whole(drv)
            inputs, _ = parse_inputs(data)
            outputs = tuple(p for _, p in parse_outputs(data) if STORE_PATH.fullmatch(p))
        except (OSError, DrvError, ValueError, IndexError):
            continue
        system = system_of(data)
        if system is not None:
            read[drv] = (system, tuple(d for d, _ in inputs if d in wanted), outputs, required_features(data))
    known = {d: expected(drv_name(d), ANY) for d in read}
    seen = [s for s in known.values() if s is not None]
    fallback = statistics.median(seen) if seen else DEFAULT_WORK
    work = {d: (s if s is not None else fallback) for d, s in known.items()}
    needed_by: dict[str, list[str]] = {d: [] for d in read}
    for drv, (_, needs, _, _) in read.items():
        for need in needs:
            if need in needed_by:  # its .drv was read
                needed_by[need].append(drv)
    chain: dict[str, float] = {}
    critical_path({d: tuple(n) for d, n in needed_by.items()}, work, chain)
    return {d: Entry(system, chain[d], inputs, outputs, needs) for d, (system, inputs, outputs, needs) in read.items()}


def write_lookahead(folder: Path, drvs: Sequence[str], expected: Expected) -> bool:
    """Write the file in the hook's folder; False when the plan is too large to be worth it."""
    if len(drvs) > MAX_DRVS:
        return False
    replace_whole(str(folder / FILE), render(plan_entries(drvs, expected)))
    return True
