"""Keeping a free slot for more urgent work: the longest chain takes the host where it finishes soonest."""

from __future__ import annotations

import pytest

from nixswarm.hook.reserve import keep_for_rivals
from nixswarm.hook.score import Score, Situation, rank
from tests.unit.test_hook_score import NOW, X86, host, names

FAST, SLOW = host("fast", slots=1, speed=2.0), host("slow", slots=1, speed=1.0)
HOSTS = {h.name: h for h in (FAST, SLOW)}
SHORT, LONG, LONGER = "/nix/store/short.drv", "/nix/store/long.drv", "/nix/store/longer.drv"
PAST = {SHORT: {"*": 2.0}, LONG: {"*": 20.0}, LONGER: {"*": 40.0}}
REQUIRED: dict[str, tuple[str, ...]] = {}


def situation(offered: str, running: dict[str, list[tuple[float, float]]] | None = None) -> Situation:
    return Situation(
        now=NOW, has={}, size=lambda p: 0, running=running or {}, waiting={}, loads={}, down={}, known=PAST[offered]
    )


def keep(
    offered: str, rivals: list[str], running: dict[str, list[tuple[float, float]]] | None = None
) -> tuple[list[Score], str]:
    s = situation(offered, running)
    scores, _ = rank([FAST, SLOW], X86, (), [], s)
    urgent = [(PAST[r]["*"], r) for r in rivals]
    return keep_for_rivals(
        scores,
        HOSTS,
        urgent,
        s,
        known_of=PAST.__getitem__,
        name_of=lambda d: d.split("/")[-1],
        system=X86,
        required_of=lambda d: REQUIRED.get(d, ()),
    )


def test_short_work_leaves_the_fast_host_to_a_longer_chain() -> None:
    scores, note = keep(SHORT, [LONG])
    assert names(scores) == ["slow", "fast"]
    assert note == "fast kept for long.drv (longer chain)"


def test_without_rivals_the_ranking_stands() -> None:
    scores, note = keep(SHORT, [])
    assert (names(scores), note) == (["fast", "slow"], "")


def test_rivals_fill_the_best_hosts_first_and_then_the_offered_one_keeps_its_own_best() -> None:
    scores, note = keep(SHORT, [LONGER, LONG])  # both free slots go to rivals: nothing left to move to
    assert (names(scores), note) == (["fast", "slow"], "")


def test_when_the_one_free_host_goes_to_the_rival_the_offered_one_still_takes_it() -> None:
    busy = {"slow": [(NOW, 100.0)]}  # slow is full: the rival takes fast, short has nowhere else
    scores, note = keep(SHORT, [LONG], busy)
    assert (names(scores), note) == (["fast", "slow"], "")


def test_the_offered_one_stays_when_the_host_left_is_worse_than_waiting_behind_the_rival() -> None:
    crawl = host("crawl", slots=1, speed=0.01)  # 200 s for the short one: waiting 10 s for fast is better
    s = situation(SHORT)
    scores, _ = rank([FAST, crawl], X86, (), [], s)
    kept, note = keep_for_rivals(
        scores,
        {"fast": FAST, "crawl": crawl},
        [(20.0, LONG)],
        s,
        known_of=PAST.__getitem__,
        name_of=str,
        system=X86,
        required_of=lambda d: (),
    )
    assert (names(kept), note) == (["fast", "crawl"], "")


def test_a_rival_keeps_no_host_that_lacks_a_feature_it_requires(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(REQUIRED, LONG, ("kvm",))  # neither host has kvm: the rival can take neither
    scores, note = keep(SHORT, [LONG])
    assert (names(scores), note) == (["fast", "slow"], "")


def test_a_rival_that_fits_no_host_leaves_the_next_rival_its_choice(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(REQUIRED, LONGER, ("big-parallel",))
    scores, note = keep(SHORT, [LONGER, LONG])  # LONGER fits nowhere; LONG still takes fast
    assert names(scores) == ["slow", "fast"]
    assert note == "fast kept for long.drv (longer chain)"


def test_a_rival_takes_the_host_that_has_its_feature() -> None:
    gpu = host("gpu", slots=1, speed=1.0, features=("cuda",))
    s = situation(SHORT)
    scores, _ = rank([FAST, gpu], X86, (), [], s)
    assert names(scores) == ["fast", "gpu"]
    kept, note = keep_for_rivals(
        scores,
        {"fast": FAST, "gpu": gpu},
        [(20.0, LONG)],
        s,
        known_of=PAST.__getitem__,
        name_of=lambda d: d.split("/")[-1],
        system=X86,
        required_of=lambda d: ("cuda",),
    )
    assert (names(kept), note) == (["fast", "gpu"], "")  # the rival goes to gpu: fast stays the short one's
