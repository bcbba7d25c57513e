"""How long a derivation should take on a host, from its history.

The rule: the median of its successful builds on that host; else the median of its successful builds on any
other host, each scaled by the speed factors (seconds x speed of the host it ran on / speed of the target: a host
of speed 2 builds in half the time of one of speed 1; a host without a known factor counts as 1); else None.
Only its latest MAX_RUNS successful builds count.
"""

from __future__ import annotations

import sqlite3
import statistics
from collections.abc import Mapping

MAX_RUNS = 1000
"""The latest successful builds of a name that an estimate reads (the fetch stays bounded)."""


def expected_seconds(db: sqlite3.Connection, name: str, host_key: str, speed: Mapping[str, float]) -> float | None:
    """The expected seconds of `name` on the host with `host_key`; speed maps host keys to speed factors."""
    rows = db.execute(
        "SELECT hosts.key, seconds FROM runs JOIN hosts ON hosts.id = runs.host_id"
        " WHERE name_id = (SELECT id FROM names WHERE name = ?) AND outcome = 'built' ORDER BY runs.id DESC LIMIT ?",
        (name, MAX_RUNS),
    ).fetchall()
    here = [seconds for key, seconds in rows if key == host_key]
    if here:
        return float(statistics.median(here))
    target = speed.get(host_key, 1.0) or 1.0
    scaled = [seconds * (speed.get(key, 1.0) or 1.0) / target for key, seconds in rows]
    return float(statistics.median(scaled)) if scaled else None
