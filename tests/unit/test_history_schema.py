"""The history's schema is versioned: a new database is version 2, an older one is migrated with every row kept."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from nixswarm.history.database import open_history
from nixswarm.history.queries import drv_stats, host_stats
from nixswarm.history.runs import add_runs
from nixswarm.history.schema import SCHEMA_VERSION, TABLES, user_version
from tests.unit.history_data import FP_A, FP_B, make_v0, make_v1, run


def test_a_new_database_is_version_2_in_wal_mode_with_every_table(tmp_path: Path) -> None:
    path = tmp_path / "state" / "history.sqlite"
    opened = open_history(path)
    assert opened.db is not None and opened.warning == ""
    assert SCHEMA_VERSION == 2 and user_version(opened.db) == 2
    assert opened.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert opened.db.execute("PRAGMA busy_timeout").fetchone()[0] >= 5000
    for table, columns in TABLES.items():
        assert tuple(r[1] for r in opened.db.execute(f"PRAGMA table_info({table})")) == columns
    assert path.stat().st_mode & 0o777 == 0o600
    assert path.parent.stat().st_mode & 0o777 == 0o700


def test_a_version_0_database_is_migrated_without_losing_a_row(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite"
    make_v0(
        path,
        [
            ("hello-2.12.1", "x86_64-linux", FP_A, "old-a", "2.8.0", 1.0, 3.0, "built"),
            ("hello-2.12.1", "x86_64-linux", FP_A, "a", "2.8.0", 2.0, 5.0, "built"),
            ("hello-2.12.1", "x86_64-linux", FP_A, "a", "2.8.0", 3.0, 9.0, "failed"),
            ("zlib-1.3", "aarch64-linux", FP_B, "b", "2.18.1", 4.0, 7.5, "stopped"),
        ],
    )
    opened = open_history(path)
    assert opened.db is not None and opened.warning == ""
    db = opened.db
    assert user_version(db) == SCHEMA_VERSION
    rows = db.execute(
        "SELECT runs.id, names.name, system, hosts.key, nix_version, started, seconds, outcome, nar_size"
        " FROM runs JOIN names ON names.id = name_id JOIN hosts ON hosts.id = host_id ORDER BY runs.id"
    ).fetchall()
    assert rows == [
        (1, "hello-2.12.1", "x86_64-linux", FP_A, "2.8.0", 1.0, 3.0, "built", None),
        (2, "hello-2.12.1", "x86_64-linux", FP_A, "2.8.0", 2.0, 5.0, "built", None),
        (3, "hello-2.12.1", "x86_64-linux", FP_A, "2.8.0", 3.0, 9.0, "failed", None),
        (4, "zlib-1.3", "aarch64-linux", FP_B, "2.18.1", 4.0, 7.5, "stopped", None),
    ]
    stats = {(s.name, s.host_name): (s.runs, s.median, s.last, s.failures) for s in drv_stats(db)}
    assert stats == {("hello-2.12.1", "a"): (3, 4.0, 5.0, 1), ("zlib-1.3", "b"): (1, None, None, 0)}
    add_runs(db, [run(seconds=6.0)], limit=1000)  # and it takes new rows
    assert [s.runs for s in host_stats(db)] == [4, 1]


def test_a_version_1_database_gets_each_names_latest_known_nar_size_and_an_index_that_covers_it(
    tmp_path: Path,
) -> None:
    path = tmp_path / "history.sqlite"
    make_v1(
        path,
        [
            ("hello-2.12.1", FP_A, 3.0, "built", 1000),
            ("hello-2.12.1", FP_A, 5.0, "built", 1200),
            ("hello-2.12.1", FP_A, 4.0, "built", None),
            ("hello-2.12.1", FP_A, 1.0, "failed", None),
            ("zlib-1.3", FP_B, 7.5, "built", None),
        ],
    )
    opened = open_history(path)
    assert opened.db is not None and opened.warning == ""
    db = opened.db
    assert user_version(db) == SCHEMA_VERSION
    assert db.execute("SELECT COUNT(*), SUM(nar_size) FROM runs").fetchone() == (5, 2200)
    stats = {(s.name, s.host_key): (s.runs, s.median, s.last, s.failures, s.nar_size) for s in drv_stats(db)}
    assert stats == {("hello-2.12.1", FP_A): (4, 4.0, 4.0, 1, 1200), ("zlib-1.3", FP_B): (1, 7.5, 7.5, 0, None)}
    index = [row[2] for row in db.execute("PRAGMA index_info(runs_by_name)")]
    assert index == ["name_id", "host_id", "outcome", "seconds", "nar_size"]
    add_runs(db, [run(seconds=6.0, nar_size=900)], limit=1000)
    assert [s.nar_size for s in drv_stats(db, "hello")] == [900]


def test_migrating_twice_at_once_is_harmless_and_reopening_changes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite"
    make_v0(path, [("a-1", "x86_64-linux", FP_A, "a", "2.8.0", 1.0, 1.0, "built")])
    first, second = open_history(path), open_history(path)
    assert first.db is not None and second.db is not None
    assert second.db.execute("SELECT COUNT(*) FROM runs").fetchone()[0] == 1
    first.db.close()
    second.db.close()
    again = open_history(path)
    assert again.db is not None and again.warning == ""
    assert again.db.execute("SELECT COUNT(*) FROM runs").fetchone()[0] == 1


def sqlite_file(path: Path, *statements: str) -> Path:
    """A database made by running statements, as another program might have left it."""
    db = sqlite3.connect(path)
    for statement in statements:
        db.execute(statement)
    db.commit()
    db.close()
    return path


def test_a_database_of_a_newer_nixswarm_is_left_alone_with_a_warning(tmp_path: Path) -> None:
    path = sqlite_file(tmp_path / "history.sqlite", "CREATE TABLE future (x)", "PRAGMA user_version = 7")
    opened = open_history(path)
    assert opened.db is None
    assert "newer nixswarm (schema 7" in opened.warning
    assert path.exists() and not list(tmp_path.glob("*.corrupt-*"))


def test_tables_that_are_not_what_their_version_says_are_set_aside(tmp_path: Path) -> None:
    path = sqlite_file(
        tmp_path / "history.sqlite",
        "CREATE TABLE runs (id INTEGER PRIMARY KEY, what TEXT)",
        "INSERT INTO runs (what) VALUES ('x')",
    )
    opened = open_history(path)
    assert opened.db is not None
    assert "could not be read" in opened.warning and "moved it to history.sqlite.corrupt-" in opened.warning
    assert len(list(tmp_path.glob("history.sqlite.corrupt-*"))) == 1
    assert user_version(opened.db) == SCHEMA_VERSION
