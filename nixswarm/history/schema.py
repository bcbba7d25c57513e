"""The history database's tables, their version (PRAGMA user_version) and the migrations between versions."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable

from nixswarm.history.stats_table import rebuild_stats

SCHEMA_VERSION = 2
"""The version this nixswarm writes."""

TABLES = {
    "names": ("id", "name"),
    "hosts": ("id", "key", "name"),
    "runs": ("id", "name_id", "system", "host_id", "nix_version", "started", "seconds", "outcome", "nar_size"),
    "stats": ("name_id", "host_id", "runs", "built", "failures", "seconds", "median", "last", "nar_size"),
}
"""Each table's columns at SCHEMA_VERSION, in order."""

CREATE_STATS = """CREATE TABLE stats (
    name_id INTEGER NOT NULL,
    host_id INTEGER NOT NULL,
    runs INTEGER NOT NULL,
    built INTEGER NOT NULL,
    failures INTEGER NOT NULL,
    seconds REAL NOT NULL,
    median REAL,
    last REAL,
    nar_size INTEGER,
    PRIMARY KEY (name_id, host_id)
) WITHOUT ROWID"""

CREATE = (
    "CREATE TABLE names (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE)",
    "CREATE TABLE hosts (id INTEGER PRIMARY KEY, key TEXT NOT NULL UNIQUE, name TEXT NOT NULL)",
    """CREATE TABLE runs (
        id INTEGER PRIMARY KEY,
        name_id INTEGER NOT NULL REFERENCES names (id),
        system TEXT NOT NULL,
        host_id INTEGER NOT NULL REFERENCES hosts (id),
        nix_version TEXT NOT NULL,
        started REAL NOT NULL,
        seconds REAL NOT NULL,
        outcome TEXT NOT NULL,
        nar_size INTEGER
    )""",
    CREATE_STATS,
)
"""Names and hosts are stored once and runs point at them; stats holds each name and host's totals, median and
latest known NAR size, kept current by every write (stats_table.py), so `nixswarm history` reads one row per name
and host."""

INDEXES = (
    "CREATE INDEX IF NOT EXISTS runs_by_name ON runs (name_id, host_id, outcome, seconds, nar_size)",
    "CREATE INDEX IF NOT EXISTS runs_by_host ON runs (host_id, id)",
)

V0_RUNS = """CREATE TABLE runs (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    system TEXT NOT NULL,
    host_key TEXT NOT NULL,
    host_name TEXT NOT NULL,
    nix_version TEXT NOT NULL,
    started REAL NOT NULL,
    seconds REAL NOT NULL,
    outcome TEXT NOT NULL
)"""
"""Version 0, the pre-release shape: one flat table, no NAR size."""


class SchemaError(Exception):
    """The database holds tables this nixswarm cannot read."""


class NewerSchema(Exception):
    """A newer nixswarm wrote the database: leave it alone."""

    def __init__(self, version: int) -> None:
        super().__init__(f"written by a newer nixswarm (schema {version}, this one reads up to {SCHEMA_VERSION})")
        self.version = version


def _from_0(db: sqlite3.Connection) -> None:
    """Version 0 -> 1: names and hosts into their own tables (a host keeps its latest name), a NAR size column."""
    db.execute("ALTER TABLE runs RENAME TO runs_v0")
    for create in CREATE:
        db.execute(create)
    db.execute("INSERT INTO names (name) SELECT DISTINCT name FROM runs_v0 ORDER BY name")
    db.execute(
        "INSERT INTO hosts (key, name) SELECT host_key, host_name FROM runs_v0"
        " WHERE id IN (SELECT MAX(id) FROM runs_v0 GROUP BY host_key) ORDER BY id"
    )
    db.execute(
        "INSERT INTO runs (id, name_id, system, host_id, nix_version, started, seconds, outcome)"
        " SELECT r.id, n.id, r.system, h.id, r.nix_version, r.started, r.seconds, r.outcome"
        " FROM runs_v0 AS r JOIN names AS n ON n.name = r.name JOIN hosts AS h ON h.key = r.host_key"
    )
    db.execute("DROP TABLE runs_v0")
    for index in INDEXES:
        db.execute(index)
    rebuild_stats(db)


def _from_1(db: sqlite3.Connection) -> None:
    """Version 1 -> 2: stats keeps each name and host's latest known NAR size, which runs_by_name covers."""
    db.execute("DROP TABLE stats")
    db.execute(CREATE_STATS)
    db.execute("DROP INDEX IF EXISTS runs_by_name")
    for index in INDEXES:
        db.execute(index)
    rebuild_stats(db)


MIGRATIONS: dict[int, Callable[[sqlite3.Connection], None]] = {0: _from_0, 1: _from_1}
"""Version N -> the step that makes it version N + 1."""


def _has_runs(db: sqlite3.Connection) -> bool:
    return db.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'runs'").fetchone() is not None


def _shape(db: sqlite3.Connection) -> dict[str, tuple[str, ...]]:
    return {table: tuple(str(row[1]) for row in db.execute(f"PRAGMA table_info({table})")) for table in TABLES}


def user_version(db: sqlite3.Connection) -> int:
    """PRAGMA user_version."""
    return int(db.execute("PRAGMA user_version").fetchone()[0])


def ensure_schema(db: sqlite3.Connection) -> None:
    """Create the tables of an empty database or migrate an older one to SCHEMA_VERSION, in one transaction.

    NewerSchema for a database of a later version, SchemaError for tables that are not what their version says.
    """
    if user_version(db) == SCHEMA_VERSION and _shape(db) == TABLES:
        return  # the common case: no write lock taken
    db.execute("BEGIN IMMEDIATE")  # another process may be doing the same: one of us at a time
    try:
        version = user_version(db)
        if version > SCHEMA_VERSION:
            raise NewerSchema(version)
        if version == 0 and not _has_runs(db):
            for create in CREATE:
                db.execute(create)
            version = SCHEMA_VERSION
        while version < SCHEMA_VERSION:
            try:
                MIGRATIONS[version](db)
            except (sqlite3.OperationalError, sqlite3.IntegrityError) as err:
                raise SchemaError(f"cannot migrate schema {version}: {err}") from None
            version += 1
        found = _shape(db)
        if found != TABLES:
            wrong = ", ".join(f"{t}({', '.join(c) or 'missing'})" for t, c in found.items() if c != TABLES[t])
            raise SchemaError(f"unexpected tables: {wrong}")
        for index in INDEXES:
            db.execute(index)
        db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        db.execute("COMMIT")
    except BaseException:
        db.execute("ROLLBACK")
        raise
