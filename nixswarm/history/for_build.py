"""What one build takes from the history before nix runs: every derivation's past times on its builders.

The same table feeds the scheduler (written for its hooks, hook/durations.py) and the ETA (`expected`).
"""

from __future__ import annotations

import sqlite3
import statistics
from collections.abc import Mapping
from pathlib import Path

from nixswarm.history.database import read_history
from nixswarm.history.runs import LOCAL_KEY
from nixswarm.hook.durations import ANY
from nixswarm.model.validate import LOCAL

Rows = list[tuple[str, str, float]]
"""(derivation name, host name or durations.ANY, median seconds)."""
MAX_NAMES = 50_000
"""Names read at most, the most recently built first (the table stays a few MiB)."""
PACE_NAMES = 3
"""A host's pace is measured over at least this many names that also ran on another host."""
PACE_BOUNDS = (0.1, 10.0)


def paces(times: Mapping[str, Mapping[str, float]]) -> dict[str, float]:
    """Host -> how long it takes against the others (1: as long; 2: twice), from name -> host -> median seconds at
    speed 1: the median over the names it shares with another host of its time / the median of all hosts' times."""
    ratios: dict[str, list[float]] = {}
    for per_host in times.values():
        if len(per_host) < 2:
            continue
        middle = statistics.median(per_host.values())
        if middle <= 0:
            continue
        for host, seconds in per_host.items():
            ratios.setdefault(host, []).append(seconds / middle)
    low, high = PACE_BOUNDS
    return {
        host: min(high, max(low, statistics.median(found)))
        for host, found in ratios.items()
        if len(found) >= PACE_NAMES
    }


def _medians(db: sqlite3.Connection) -> list[tuple[str, str, float]]:
    return db.execute(
        "SELECT names.name, hosts.key, stats.median FROM stats"
        " JOIN names ON names.id = stats.name_id JOIN hosts ON hosts.id = stats.host_id"
        " WHERE stats.median IS NOT NULL AND stats.name_id IN"
        " (SELECT name_id FROM runs GROUP BY name_id ORDER BY MAX(id) DESC LIMIT ?)",
        (MAX_NAMES,),
    ).fetchall()


def durations_rows(history: Path, hosts: Mapping[str, tuple[str, float]]) -> tuple[Rows, str]:
    """For each name: its median on each of hosts (name -> (key fingerprint, speed factor); `local` is this
    machine), and under ANY the median over every host it ran on, scaled to speed 1 (seconds x that host's speed;
    a host not in hosts counts as speed 1). Then, as rows of the name ANY, each host's pace (`paces`), which
    scales the ANY estimate of names it has not built. Also a warning ("" when none); a missing history gives no
    rows."""
    if not history.exists():
        return [], ""
    medians, warning = read_history(history, _medians)
    by_key = {key: name for name, (key, _) in hosts.items()}
    by_key.setdefault(LOCAL_KEY, LOCAL)
    speeds = {key: speed for key, speed in hosts.values()}
    rows: Rows = []
    anywhere: dict[str, dict[str, float]] = {}
    for name, key, median in medians or []:
        if key in by_key:
            rows.append((name, by_key[key], float(median)))
        anywhere.setdefault(name, {})[key] = float(median) * (speeds.get(key) or 1.0)
    rows += [(name, ANY, float(statistics.median(times.values()))) for name, times in anywhere.items()]
    rows += [(ANY, by_key[key], pace) for key, pace in paces(anywhere).items() if key in by_key]
    return rows, warning


class ExpectedFromRows:
    """expected(name, host name) for the ETA, from one build's durations rows: the median there, else the speed-1
    median over every host times the host's pace, divided by its speed factor, else None."""

    def __init__(self, rows: Rows, speeds: Mapping[str, float]) -> None:
        self.table: dict[str, dict[str, float]] = {}
        for name, host, seconds in rows:
            self.table.setdefault(name, {})[host] = seconds
        self.speeds = dict(speeds)

    def __call__(self, name: str, host: str) -> float | None:
        known = self.table.get(name)
        if not known:
            return None
        if host in known:
            return known[host]
        anywhere = known.get(ANY)
        if anywhere is None:
            return None
        return anywhere * self.table.get(ANY, {}).get(host, 1.0) / (self.speeds.get(host) or 1.0)
