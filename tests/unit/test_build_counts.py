"""Built/total comes from Nix's own counts and matches what Nix built, on Nix 2.8, 2.26 and 2.34 alike."""

from __future__ import annotations

from pathlib import Path

import pytest

from nixswarm.build.counts import Counts, NixCounts
from nixswarm.build.log_events import BuildCounts
from nixswarm.build.progress import Progress
from tests.unit.fake_clock import Clock

DATA = Path(__file__).parent / "data"
FOUR = ["nix28-remote-two-hosts.log", "nix28-remote-logs.log", "nix226-remote-logs.log", "nix234-remote-logs.log"]
"""Captures of one build of four derivations (two at a time on two builders; -j0), per Nix version."""


def counts_along(capture: str) -> tuple[list[Counts], Progress]:
    """The counts after every line of a capture (one second per line), and the Progress at the end."""
    clock = Clock()
    progress = Progress({}, clock)
    seen = []
    for line in (DATA / capture).read_text().splitlines():
        clock.now += 1
        progress.feed_line(line)
        seen.append(progress.counts)
    progress.finish()
    return seen, progress


def reports(*fields: tuple[int, int, int, int]) -> list[int]:
    """The total NixCounts gives after each of these reports of one top-level activity."""
    counts = NixCounts()
    counts.opened(7)
    totals = []
    for done, expected, running, failed in fields:
        counts.report(BuildCounts(7, done, expected, running, failed))
        totals.append(counts.counts.total)
    return totals


@pytest.mark.parametrize("capture", FOUR)
def test_a_build_of_four_ends_with_four_of_four_built_whatever_the_nix_version(capture: str) -> None:
    seen, progress = counts_along(capture)
    assert seen[-1] == Counts(done=4, failed=0, running=0, total=4)
    assert sum(r.status == "built" for r in progress.results()) == 4  # the derivations Nix built, one by one


@pytest.mark.parametrize("capture", FOUR)
def test_the_total_never_counts_more_derivations_than_the_build_has(capture: str) -> None:
    seen, _ = counts_along(capture)
    assert max(c.total for c in seen) == 4
    assert [c.total for c in seen if c.total] == sorted(c.total for c in seen if c.total)  # it only grows


def test_nix_2_34_counting_a_build_done_before_its_goal_closes_does_not_raise_the_total() -> None:
    # nix234-remote-logs.log's top-level reports: expected rises with done, then falls back when the goal closes
    as_sent = [(0, 4, 2, 0), (1, 5, 1, 0), (2, 5, 0, 0), (2, 4, 1, 0), (2, 4, 2, 0), (3, 5, 1, 0), (4, 5, 0, 0)]
    assert reports(*as_sent) == [4, 4, 4, 4, 4, 4, 4]


def test_nix_2_8_counting_a_build_done_and_its_goal_closed_at_once_keeps_the_total() -> None:
    as_sent = [(0, 1, 0, 0), (0, 2, 0, 0), (0, 2, 1, 0), (1, 2, 0, 0), (1, 2, 1, 0), (2, 2, 0, 0)]
    assert reports(*as_sent) == [1, 2, 2, 2, 2, 2]


def test_a_failed_build_stays_in_the_total_and_counts_as_failed() -> None:
    seen, _ = counts_along("nix28-local-fail.log")
    assert seen[-1] == Counts(done=0, failed=1, running=0, total=1)
    seen, _ = counts_along("nix28-remote-fail-stops-other.log")  # one failed, Nix stops the other
    assert seen[-1] == Counts(done=0, failed=1, running=1, total=2)


def test_nix_2_34_a_failure_counted_before_its_goal_closes_is_counted_once() -> None:
    assert reports((0, 2, 2, 0), (0, 2, 1, 1), (0, 1, 1, 1)) == [2, 2, 2]


def test_waiting_is_what_is_neither_ended_nor_running() -> None:
    assert Counts(done=12, failed=1, running=3, total=40).waiting == 24
    assert Counts(done=2, failed=0, running=3, total=4).waiting == 0


def test_builds_activities_of_a_remote_builder_do_not_count() -> None:
    counts = NixCounts()
    assert counts.opened(1)
    assert not counts.opened(2)  # an ssh-ng builder's own, forwarded
    assert counts.report(BuildCounts(2, 1, 1, 0, 0)) is None
    assert counts.report(BuildCounts(1, 0, 3, 1, 0)) == (0, 0)
    assert counts.counts == Counts(done=0, failed=0, running=1, total=3)
