"""A corrupt history is set aside with a clear message and a fresh one started; a build's record never raises."""

from __future__ import annotations

from pathlib import Path

from nixswarm.history.database import open_history, read_history
from nixswarm.history.from_build import record_build
from nixswarm.history.queries import drv_stats
from nixswarm.history.runs import add_runs
from nixswarm.store import paths
from tests.unit.history_data import drv, prepared, run, summary

BUILD = summary(drv("hello-2.12.1", "b1", 3.0), drv("zlib-1.3", "local", 1.5, "failed"))


def rows(path: Path) -> list[tuple[str, str, str]]:
    opened = open_history(path)
    assert opened.db is not None, opened.warning
    found = opened.db.execute(
        "SELECT names.name, hosts.name, outcome FROM runs JOIN names ON names.id = name_id"
        " JOIN hosts ON hosts.id = host_id ORDER BY runs.id"
    ).fetchall()
    opened.db.close()
    return found


def test_a_file_that_is_not_sqlite_is_set_aside_and_the_build_is_recorded_in_a_new_one() -> None:
    path = paths.history_file()
    path.parent.mkdir(parents=True)
    path.write_bytes(b"this is not a database, it is a shopping list\n" * 100)
    warning = record_build(BUILD, prepared(), 1_700_000_000.0, 1000)
    aside = list(path.parent.glob("history.sqlite.corrupt-*"))
    assert len(aside) == 1 and aside[0].read_bytes().startswith(b"this is not a database")
    assert warning.startswith(f"history: {path} could not be read (file is not a database)")
    assert warning.endswith(f"moved it to {aside[0].name} and started a new one")
    assert rows(path) == [("hello-2.12.1", "b1", "built"), ("zlib-1.3", "local", "failed")]


def damaged(path: Path) -> None:
    """A history of 2000 rows whose pages after the first (which holds the schema) are overwritten."""
    opened = open_history(path)
    assert opened.db is not None
    add_runs(opened.db, [run(f"pkg{i}-1.0", seconds=float(i)) for i in range(2000)], limit=100_000)
    opened.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    opened.db.close()
    data = bytearray(path.read_bytes())
    page = 4096
    assert len(data) > 8 * page
    data[page:] = b"\xff" * (len(data) - page)
    path.write_bytes(bytes(data))


def test_a_database_whose_pages_are_damaged_fails_its_check_and_is_set_aside(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite"
    damaged(path)
    reopened = open_history(path)
    assert "could not be read" in reopened.warning
    assert len(list(tmp_path.glob("history.sqlite.corrupt-*"))) == 1
    assert reopened.db is not None
    assert reopened.db.execute("SELECT COUNT(*) FROM runs").fetchone()[0] == 0


def test_a_reader_that_meets_damaged_pages_sets_the_file_aside_too(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite"
    damaged(path)
    found, warning = read_history(path, drv_stats)
    assert found is None
    assert warning.startswith(f"history: {path} could not be read (database disk image is malformed)")
    assert not path.exists() and len(list(tmp_path.glob("history.sqlite.corrupt-*"))) == 1


def test_recording_where_no_database_can_be_made_warns_and_does_not_raise() -> None:
    path = paths.history_file()
    path.mkdir(parents=True)  # a folder where the file should be
    warning = record_build(BUILD, prepared(), 1_700_000_000.0, 1000)
    assert warning.startswith(f"history: {path}: cannot open it")


def test_recording_that_fails_for_any_other_reason_warns_and_does_not_raise() -> None:
    broken = summary({"drv": None, "host": "b1", "seconds": 1.0, "ok": True, "status": "built", "error": ""})  # type: ignore[typeddict-item]
    warning = record_build(broken, prepared(), 1_700_000_000.0, 1000)
    assert warning.startswith("history: not recorded (")


def test_a_reader_of_a_corrupt_file_gets_no_database_and_the_warning(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite"
    path.write_bytes(b"\x00garbage" * 512)
    opened = open_history(path, create=False)
    assert opened.db is None and "could not be read" in opened.warning
    assert not path.exists() and len(list(tmp_path.glob("history.sqlite.corrupt-*"))) == 1
