"""The ETA comes from the longest remaining build, the work over the slots and the next start, not a plain sum."""

from __future__ import annotations

import json

import pytest

from nixswarm.build.eta import Forecast, eta_seconds, no_history
from nixswarm.build.progress import Progress
from nixswarm.build.progress_text import format_bar, format_eta, format_progress
from tests.unit.fake_clock import Clock

B1 = "ssh-ng://root@10.0.0.1"
DRV = "/nix/store/{}-{}.drv"


def drv(name: str) -> str:
    return DRV.format(name[0] * 32, name)


class Build:
    """A build told as Nix 2.8 tells it: a top-level builds activity, its counts, one activity per derivation."""

    def __init__(self, expected: dict[tuple[str, str], float] | None = None) -> None:
        self.clock = Clock()
        self.progress = Progress({B1: "b1"}, self.clock)
        self.asked: list[tuple[str, str]] = []
        known = expected or {}

        def estimate(name: str, host: str) -> float | None:
            self.asked.append((name, host))
            return known.get((name, host))

        self.forecast = Forecast(self.progress, estimate)
        self.ids: dict[str, int] = {}
        self.send({"action": "start", "id": 1, "type": 104, "text": "", "level": 0})

    def send(self, event: dict[str, object]) -> None:
        self.progress.feed_line("@nix " + json.dumps(event))

    def count(self, done: int, expected: int, running: int, failed: int = 0) -> None:
        self.send({"action": "result", "id": 1, "type": 105, "fields": [done, expected, running, failed]})

    def start(self, name: str, machine: str = "") -> None:
        self.ids[name] = 100 + len(self.ids)
        self.send({"action": "start", "id": self.ids[name], "type": 105, "fields": [drv(name), machine, 1, 1]})

    def end(self, name: str) -> None:
        self.send({"action": "stop", "id": self.ids[name]})


def test_the_eta_is_the_work_spread_over_the_slots_when_that_is_longest() -> None:
    # remaining 60 s and 20 s, four waiting at the median 20 s, two slots: (60 + 20 + 4 * 20) / 2 = 80 s
    assert eta_seconds([(100.0, 40.0), (30.0, 10.0)], waiting=4, median=20.0, slots=2) == 80.0


def test_the_eta_is_the_longest_running_build_when_it_outlasts_the_rest() -> None:
    assert eta_seconds([(300.0, 0.0), (10.0, 0.0)], waiting=0, median=10.0, slots=4) == 300.0


def test_a_waiting_derivation_starts_only_once_a_running_build_ends() -> None:
    # many free slots, yet the waiting one needs a build's end (its dependency or a slot): 50 + 40
    assert eta_seconds([(50.0, 0.0)], waiting=1, median=40.0, slots=8) == 90.0


def test_a_build_past_its_expected_time_counts_as_ending_now() -> None:
    assert eta_seconds([(10.0, 25.0)], waiting=0, median=10.0, slots=1) == 0.0


def test_there_is_no_eta_while_a_time_is_unknown_and_nothing_has_ended() -> None:
    assert eta_seconds([(None, 5.0)], waiting=0, median=None, slots=1) is None
    assert eta_seconds([(60.0, 5.0)], waiting=3, median=None, slots=1) is None
    assert eta_seconds([], waiting=0, median=None, slots=0) == 0.0


def test_unknown_derivations_are_expected_to_take_the_median_of_this_builds() -> None:
    assert eta_seconds([(None, 4.0)], waiting=0, median=10.0, slots=1) == 6.0


def test_the_forecast_asks_the_history_once_per_derivation_and_host_and_fills_in_the_median() -> None:
    build = Build({("c", "local"): 50.0})
    build.count(0, 3, 0)
    build.start("a", B1)
    build.count(0, 3, 1)
    build.clock.now = 5.0
    early = build.forecast.outlook(5.0)
    assert (early.counts.done, early.counts.running, early.counts.waiting, early.eta) == (0, 1, 2, None)
    build.clock.now = 10.0
    build.count(1, 3, 0)
    build.end("a")  # took 10 s: the median of this build
    build.start("b", B1)
    build.start("c")
    build.count(1, 3, 2)
    build.clock.now = 14.0
    outlook = build.forecast.outlook(14.0)
    # b: the median 10 s less 4 s; c: its history's 50 s less 4 s; two slots: max(46, (6 + 46) / 2)
    assert outlook.eta == 46.0
    assert (outlook.counts.done, outlook.counts.total, outlook.counts.waiting) == (1, 3, 0)
    assert build.asked == [("a", "b1"), ("b", "b1"), ("c", "local")]


def test_the_outlook_is_worked_out_again_only_after_a_second_or_a_build_start_or_end() -> None:
    build = Build({("a", "local"): 30.0})
    build.count(0, 1, 0)
    build.start("a")
    build.count(0, 1, 1)
    first = build.forecast.outlook(0.5)
    build.send({"action": "result", "id": build.ids["a"], "type": 101, "fields": ["a log line"]})
    assert build.forecast.outlook(1.4) is first  # a log line changes nothing
    assert build.forecast.outlook(1.6).eta == pytest.approx(28.4)  # a second later
    build.start("b")
    assert build.forecast.outlook(1.7).counts.running == 1  # Nix has not counted b yet, but it is recomputed
    assert build.forecast.outlook(1.7) is build.forecast.outlook(1.8)


def test_without_history_every_time_is_unknown() -> None:
    assert no_history("hello-2.12", "b1") is None


def test_the_progress_line_says_built_of_total_what_runs_and_waits_and_the_eta() -> None:
    build = Build()
    build.count(12, 40, 3)
    outlook = build.forecast.outlook(0.0)
    assert format_progress(outlook) == "12/40 built, 3 running, 25 waiting, ETA unknown"
    build.count(12, 40, 3, failed=1)
    assert format_progress(build.forecast.outlook(0.0)) == "12/41 built, 1 failed, 3 running, 25 waiting, ETA unknown"


def test_the_eta_is_unknown_before_nix_counts_and_left_out_once_nothing_runs_or_waits() -> None:
    build = Build()
    assert format_progress(build.forecast.outlook(0.0)) == "0/0 built, 0 running, 0 waiting, ETA unknown"
    build.count(0, 1, 0)
    build.start("a")
    build.count(0, 1, 1)
    build.clock.now = 3.0
    build.count(1, 1, 0)
    build.end("a")
    outlook = build.forecast.outlook(3.0)
    assert outlook.over
    assert format_progress(outlook) == "1/1 built, 0 running, 0 waiting"


def test_etas_read_in_whole_seconds_then_minutes() -> None:
    assert [format_eta(t) for t in (None, 0.0, 4.2, 59.5, 70.0, 3725.0)] == [
        "ETA unknown",
        "ETA 0 s",
        "ETA 5 s",
        "ETA 60 s",
        "ETA 1 min 10 s",
        "ETA 1 h 02 min",
    ]


def test_the_bar_fills_with_the_share_that_ended() -> None:
    assert format_bar(0.0, 4) == "░░░░"
    assert format_bar(0.5, 4) == "██░░"
    assert format_bar(1.0, 4) == "████"
