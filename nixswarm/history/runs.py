"""One finished derivation as a row of the history, and adding rows within the bound the config sets."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from nixswarm.history.stats_table import refresh_stats

Outcome = Literal["built", "failed", "stopped"]

LOCAL_KEY = "local"
"""The host key column of a derivation built on this machine."""


@dataclass(frozen=True)
class Run:
    """A derivation that ended, where and how."""

    name: str
    """Its name without store hash and .drv (`hello-2.12.1`)."""
    system: str
    """The system it was built for (`x86_64-linux`)."""
    host_key: str
    """The SHA256 fingerprint of the builder's host key; LOCAL_KEY for this machine."""
    host_name: str
    """The builder's name, for display (the history keeps the latest name of each host key)."""
    nix_version: str
    """The builder's Nix version if the probe facts knew it, else the client's."""
    started: float
    """Unix time when it started (when the build that ran it started nix, where that is not known)."""
    seconds: float
    """How long it ran."""
    outcome: Outcome
    """built, failed or stopped."""
    nar_size: int | None = None
    """The NAR size of its outputs, when known."""


_INSERT = (
    "INSERT INTO runs (name_id, system, host_id, nix_version, started, seconds, outcome, nar_size)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
)
TIDY_EVERY = 1000
"""Names no run points at any more are dropped whenever the row ids pass a multiple of this."""


def _name_ids(db: sqlite3.Connection, names: set[str]) -> dict[str, int]:
    db.executemany("INSERT OR IGNORE INTO names (name) VALUES (?)", [(n,) for n in names])
    return {n: db.execute("SELECT id FROM names WHERE name = ?", (n,)).fetchone()[0] for n in names}


def _host_ids(db: sqlite3.Connection, hosts: dict[str, str]) -> dict[str, int]:
    db.executemany(
        "INSERT INTO hosts (key, name) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET name = excluded.name",
        hosts.items(),
    )
    return {k: db.execute("SELECT id FROM hosts WHERE key = ?", (k,)).fetchone()[0] for k in hosts}


def add_runs(db: sqlite3.Connection, runs: Sequence[Run], limit: int) -> None:
    """Append runs in one transaction, then drop the oldest rows past limit.

    Row ids only grow (nothing deletes but this), so the newest `limit` rows are those above max(id) - limit: the
    bound costs an index look-up, however big the table. The stats of every name and host touched are refreshed.
    """
    db.execute("BEGIN IMMEDIATE")
    try:
        names = _name_ids(db, {r.name for r in runs})
        hosts = _host_ids(db, {r.host_key: r.host_name for r in runs})
        rows = [
            (names[r.name], r.system, hosts[r.host_key], r.nix_version, r.started, r.seconds, r.outcome, r.nar_size)
            for r in runs
        ]
        first = db.execute("SELECT coalesce(max(id), 0) FROM runs").fetchone()[0]
        db.executemany(_INSERT, rows)
        last = first + len(rows)
        groups = {(row[0], row[2]) for row in rows}
        cutoff = last - limit
        groups.update(db.execute("SELECT name_id, host_id FROM runs WHERE id <= ?", (cutoff,)).fetchall())
        db.execute("DELETE FROM runs WHERE id <= ?", (cutoff,))
        refresh_stats(db, groups)
        if first // TIDY_EVERY != last // TIDY_EVERY:
            db.execute("DELETE FROM names WHERE NOT EXISTS (SELECT 1 FROM runs WHERE name_id = names.id)")
        db.execute("COMMIT")
    except BaseException:
        db.execute("ROLLBACK")
        raise
