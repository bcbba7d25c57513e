"""The `stats` table: per derivation name and host, the totals, median and NAR size `nixswarm history` shows, kept
current by every write so that reading them costs one row per name and host, however long the history."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable

Group = tuple[int, int]
"""(name_id, host_id)."""

_TOTALS = """
SELECT runs, built, failures, seconds, (SELECT seconds FROM runs WHERE id = last_ok),
       (SELECT nar_size FROM runs WHERE id = last_sized)
FROM (SELECT COUNT(*) AS runs, COALESCE(SUM(outcome = 'built'), 0) AS built,
             COALESCE(SUM(outcome = 'failed'), 0) AS failures, COALESCE(SUM(seconds), 0) AS seconds,
             MAX(CASE WHEN outcome = 'built' THEN id END) AS last_ok,
             MAX(CASE WHEN outcome = 'built' AND nar_size IS NOT NULL THEN id END) AS last_sized
      FROM runs WHERE name_id = :n AND host_id = :h)
"""
_MEDIAN = """
SELECT AVG(seconds) FROM (SELECT seconds FROM runs WHERE name_id = :n AND host_id = :h AND outcome = 'built'
                          ORDER BY seconds LIMIT :count OFFSET :skip)
"""
_SAVE = """
INSERT OR REPLACE INTO stats (name_id, host_id, runs, built, failures, seconds, median, last, nar_size)
VALUES (:n, :h, :runs, :built, :failures, :seconds, :median, :last, :nar_size)
"""


def refresh_stats(db: sqlite3.Connection, groups: Iterable[Group]) -> None:
    """Recompute the stats rows of these groups from their runs (index seeks: the median reads half a group)."""
    for name_id, host_id in set(groups):
        key = {"n": name_id, "h": host_id}
        runs, built, failures, seconds, last, nar_size = db.execute(_TOTALS, key).fetchone()
        if not runs:
            db.execute("DELETE FROM stats WHERE name_id = :n AND host_id = :h", key)
            continue
        median = None
        if built:
            middle = {**key, "count": 2 - built % 2, "skip": (built - 1) // 2}
            median = db.execute(_MEDIAN, middle).fetchone()[0]
        row = {**key, "runs": runs, "built": built, "failures": failures, "seconds": seconds}
        db.execute(_SAVE, {**row, "median": median, "last": last, "nar_size": nar_size})


def rebuild_stats(db: sqlite3.Connection) -> None:
    """Every group's stats row anew (after a migration)."""
    db.execute("DELETE FROM stats")
    refresh_stats(db, db.execute("SELECT DISTINCT name_id, host_id FROM runs").fetchall())
