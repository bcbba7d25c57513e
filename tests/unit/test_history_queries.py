"""What the history answers on known data: medians, last, failures, throughput, estimates, latest builds."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from nixswarm.history.database import open_history
from nixswarm.history.drv_system import drv_system
from nixswarm.history.estimate import expected_seconds
from nixswarm.history.queries import HostStats, drv_stats, host_stats, recent_runs
from nixswarm.history.runs import add_runs
from tests.unit.history_data import FP_A, FP_B, run

FP_C = "SHA256:" + "c" * 43


@pytest.fixture
def db(tmp_path: Path) -> Iterator[sqlite3.Connection]:
    """hello: on a 10, 30, 20 (and a failure of 99); on b 5, 7, 1, 9. zlib: on b one failure."""
    opened = open_history(tmp_path / "history.sqlite")
    assert opened.db is not None
    runs = [
        run("hello", FP_A, 10.0),
        run("hello", FP_B, 5.0, host_name="b"),
        run("hello", FP_A, 30.0),
        run("hello", FP_A, 99.0, "failed"),
        run("hello", FP_B, 7.0, host_name="b"),
        run("hello", FP_A, 20.0),
        run("hello", FP_B, 1.0, host_name="b"),
        run("zlib", FP_B, 2.0, "failed", host_name="b"),
        run("hello", FP_B, 9.0, host_name="b"),
        run("hello-doc", FP_A, 4.0, "stopped"),
    ]
    add_runs(opened.db, runs[:4], limit=1000)  # two builds
    add_runs(opened.db, runs[4:], limit=1000)
    yield opened.db
    opened.db.close()


def test_per_name_and_host_the_runs_median_last_and_failures(db: sqlite3.Connection) -> None:
    found = [(s.name, s.host_name, s.runs, s.median, s.last, s.failures) for s in drv_stats(db)]
    assert found == [
        ("hello", "a", 4, 20.0, 20.0, 1),  # median of 10, 20, 30; the failure counts as a run, not a time
        ("hello", "b", 4, 6.0, 9.0, 0),  # median of 1, 5, 7, 9
        ("hello-doc", "a", 1, None, None, 0),
        ("zlib", "b", 1, None, None, 1),
    ]


def test_a_name_keeps_the_names_that_contain_it(db: sqlite3.Connection) -> None:
    assert [(s.name, s.host_name) for s in drv_stats(db, "ell")] == [("hello", "a"), ("hello", "b"), ("hello-doc", "a")]
    assert drv_stats(db, "nothing") == []


def test_per_host_throughput_and_failure_rate(db: sqlite3.Connection) -> None:
    a, b = host_stats(db)
    assert a == HostStats(FP_A, "a", 5, 3, 1, 163.0)
    assert a.per_hour == pytest.approx(3 * 3600 / 163.0)
    assert a.failure_rate == 0.25
    assert b == HostStats(FP_B, "b", 5, 4, 1, 24.0)
    assert (b.per_hour, b.failure_rate) == (600.0, 0.2)
    assert HostStats(FP_C, "c", 1, 0, 0, 0.0).per_hour is None
    assert HostStats(FP_C, "c", 1, 0, 0, 3.0).failure_rate is None


def test_the_expected_time_is_the_median_on_that_host(db: sqlite3.Connection) -> None:
    assert expected_seconds(db, "hello", FP_A, {}) == 20.0
    assert expected_seconds(db, "hello", FP_B, {FP_A: 4.0, FP_B: 1.0}) == 6.0  # its own runs: no scaling


def test_on_a_new_host_the_expected_time_is_scaled_by_the_speed_factors(db: sqlite3.Connection) -> None:
    # on c (speed 2): a's 10, 20, 30 at speed 1 become 5, 10, 15; b's 1, 5, 7, 9 at speed 4 become 2, 10, 14, 18
    assert expected_seconds(db, "hello", FP_C, {FP_A: 1.0, FP_B: 4.0, FP_C: 2.0}) == 10.0
    # unknown factors count as 1: the median of every successful run, 1 5 7 9 10 20 30
    assert expected_seconds(db, "hello", FP_C, {}) == 9.0


def test_nothing_built_successfully_means_no_estimate(db: sqlite3.Connection) -> None:
    assert expected_seconds(db, "zlib", FP_B, {}) is None
    assert expected_seconds(db, "never-built", FP_A, {}) is None


def test_each_hosts_latest_builds_come_newest_first(db: sqlite3.Connection) -> None:
    latest = recent_runs(db, per_host=2)
    assert [(r.name, r.outcome, r.seconds) for r in latest[FP_A]] == [
        ("hello-doc", "stopped", 4.0),
        ("hello", "built", 20.0),
    ]
    assert [(r.name, r.outcome) for r in latest[FP_B]] == [("hello", "built"), ("zlib", "failed")]
    assert latest[FP_B][0].system == "x86_64-linux"


def test_a_drvs_system_is_read_from_the_file(tmp_path: Path) -> None:
    drv = tmp_path / "abc-hello.drv"
    drv.write_bytes(
        b'Derive([("out","/nix/store/x-hello","","")],[("/nix/store/y-bash.drv",["out"])],'
        b'["/nix/store/z-builder.sh"],"aarch64-linux","/nix/store/y-bash/bin/bash",["-e"],[("name","hello")])'
    )
    assert drv_system(str(drv)) == "aarch64-linux"
    no_sources = tmp_path / "def-x.drv"
    no_sources.write_bytes(b'Derive([("out","/nix/store/x-x","","")],[],[],"x86_64-linux","/bin/sh",[],[])')
    assert drv_system(str(no_sources)) == "x86_64-linux"
    assert drv_system(str(tmp_path / "missing.drv")) is None
    (tmp_path / "bad.drv").write_bytes(b"not a derivation")
    assert drv_system(str(tmp_path / "bad.drv")) is None
