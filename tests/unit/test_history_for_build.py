"""What a build takes from the history: each name's median per host and at speed 1, each host's measured pace,
and the estimates the ETA and the scheduler make from them."""

from __future__ import annotations

from pathlib import Path

import pytest

from nixswarm.history.database import open_history
from nixswarm.history.for_build import PACE_BOUNDS, ExpectedFromRows, durations_rows, paces
from nixswarm.history.runs import add_runs
from nixswarm.hook.durations import ANY
from nixswarm.hook.score import Situation, work_there
from tests.unit.history_data import FP_A, FP_B, run
from tests.unit.test_hook_score import NOW, host

FP_C = "SHA256:" + "c" * 43


def test_a_host_twice_as_slow_on_the_names_it_shares_has_pace_2_and_the_others_about_1() -> None:
    times = {f"n{i}": {"fast": 10.0, "slow": 20.0, "mid": 10.0} for i in range(3)}
    found = paces(times)
    assert found["slow"] == pytest.approx(2.0)
    assert found["fast"] == pytest.approx(1.0)


def test_a_pace_needs_three_shared_names_and_stays_within_its_bounds() -> None:
    alone = {f"solo{i}": {"slow": 50.0} for i in range(5)}  # built nowhere else: no comparison
    two = {f"n{i}": {"fast": 1.0, "slow": 1000.0} for i in range(2)}
    assert paces({**alone, **two}) == {}
    three = {f"n{i}": {"fast": 1.0, "slow": 1000.0, "mid": 1.0} for i in range(3)}
    assert paces(three)["slow"] == PACE_BOUNDS[1]


def history(tmp_path: Path) -> Path:
    path = tmp_path / "history.sqlite"
    opened = open_history(path)
    assert opened.db is not None
    rows = [run(f"n{i}", FP_A, 10.0, host_name="a") for i in range(3)]
    rows += [run(f"n{i}", FP_B, 30.0, host_name="b") for i in range(3)]
    rows += [run(f"n{i}", FP_C, 10.0, host_name="c") for i in range(3)]
    rows += [run("only-on-c", FP_C, 4.0, host_name="c")]
    add_runs(opened.db, rows, 1000)
    opened.db.close()
    return path


def test_durations_rows_hold_medians_per_host_at_speed_1_and_each_host_s_pace(tmp_path: Path) -> None:
    hosts = {"a": (FP_A, 1.0), "b": (FP_B, 1.0), "c": (FP_C, 1.0)}
    rows, warning = durations_rows(history(tmp_path), hosts)
    assert warning == ""
    table = {(name, where): seconds for name, where, seconds in rows}
    assert table[("n0", "b")] == pytest.approx(30.0)
    assert table[("n0", ANY)] == pytest.approx(10.0)  # the median over a, b and c
    assert table[("only-on-c", ANY)] == pytest.approx(4.0)
    assert table[(ANY, "b")] == pytest.approx(3.0)
    assert table[(ANY, "a")] == pytest.approx(1.0)


def test_a_name_a_slow_host_never_built_is_expected_to_take_its_pace_longer_there(tmp_path: Path) -> None:
    hosts = {"a": (FP_A, 1.0), "b": (FP_B, 1.0), "c": (FP_C, 1.0)}
    rows, _ = durations_rows(history(tmp_path), hosts)
    expected = ExpectedFromRows(rows, {"a": 1.0, "b": 1.0, "c": 1.0})
    assert expected("only-on-c", "c") == pytest.approx(4.0)  # its own median there
    assert expected("only-on-c", "b") == pytest.approx(12.0)  # 4 s at speed 1, b's pace 3
    assert expected("only-on-c", "a") == pytest.approx(4.0)
    assert expected("never-built", "b") is None


def test_the_scheduler_weighs_a_host_s_pace_as_the_eta_does() -> None:
    slow = host("b", speed=1.0)
    s = Situation(
        now=NOW,
        has={},
        size=lambda p: 0,
        running={},
        waiting={},
        loads={},
        down={},
        work=5.0,
        known={ANY: 4.0},
        pace={"b": 3.0},
    )
    assert work_there(slow, s) == pytest.approx(12.0)
    assert work_there(host("a"), s) == pytest.approx(4.0)
    unknown = Situation(
        now=NOW, has={}, size=lambda p: 0, running={}, waiting={}, loads={}, down={}, work=5.0, pace={"b": 3.0}
    )
    assert work_there(slow, unknown) == pytest.approx(15.0)  # this build's median at b's pace
