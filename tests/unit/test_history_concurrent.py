"""Two processes writing the history at once (two builds, or a build and the TUI) both land intact."""

from __future__ import annotations

import multiprocessing
import sqlite3
from pathlib import Path

import pytest

from nixswarm.history import database
from nixswarm.history.database import open_history
from nixswarm.history.queries import drv_stats
from nixswarm.history.runs import add_runs
from tests.unit.history_data import FP_A, FP_B, run

ROWS = 500
BATCH = 5
"""Rows per transaction: 100 transactions per writer, so they interleave."""


def write(path: str, key: str, host: str) -> None:
    """One writer: ROWS runs in BATCH-row transactions, each opening the database as a build does."""
    for start in range(0, ROWS, BATCH):
        opened = open_history(Path(path))
        assert opened.db is not None, opened.warning
        batch = [
            run(f"pkg{i % 7}", key, float(i), host_name=host, started=float(i)) for i in range(start, start + BATCH)
        ]
        add_runs(opened.db, batch, limit=100_000)
        opened.db.close()


def test_two_writers_of_500_rows_each_leave_all_1000_rows_intact(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite"
    spawn = multiprocessing.get_context("spawn")
    writers = [spawn.Process(target=write, args=(str(path), key, host)) for key, host in ((FP_A, "a"), (FP_B, "b"))]
    for writer in writers:
        writer.start()
    for writer in writers:
        writer.join(120)
    assert [w.exitcode for w in writers] == [0, 0]
    opened = open_history(path)
    assert opened.db is not None and opened.warning == ""
    db = opened.db
    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    for key in (FP_A, FP_B):
        rows = db.execute(
            "SELECT names.name, seconds, started FROM runs JOIN names ON names.id = name_id"
            " JOIN hosts ON hosts.id = host_id WHERE hosts.key = ? ORDER BY started",
            (key,),
        ).fetchall()
        assert rows == [(f"pkg{i % 7}", float(i), float(i)) for i in range(ROWS)]
    stats = drv_stats(db)
    assert sum(s.runs for s in stats) == 2 * ROWS
    assert {(s.name, s.host_name) for s in stats} == {(f"pkg{i}", h) for i in range(7) for h in ("a", "b")}


def busy() -> sqlite3.OperationalError:
    err = sqlite3.OperationalError("database is locked")
    err.sqlite_errorcode = 5
    return err


def test_opening_while_another_process_holds_the_file_is_tried_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = database._connect_once
    answers: list[sqlite3.OperationalError | None] = [busy(), busy(), None]

    def flaky(path: Path, check: bool) -> sqlite3.Connection:
        answer = answers.pop(0)
        if answer is not None:
            raise answer
        return real(path, check)

    monkeypatch.setattr(database, "_connect_once", flaky)
    opened = open_history(tmp_path / "history.sqlite")
    assert opened.db is not None and opened.warning == ""
    opened.db.close()
    assert answers == []


def test_a_file_held_past_the_busy_time_gives_a_warning_not_an_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(database, "BUSY_SECONDS", 0.05)

    def held(path: Path, check: bool) -> sqlite3.Connection:
        raise busy()

    monkeypatch.setattr(database, "_connect_once", held)
    opened = open_history(tmp_path / "history.sqlite")
    assert opened.db is None
    assert "database is locked" in opened.warning
