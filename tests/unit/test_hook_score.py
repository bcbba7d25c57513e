"""The scheduler's estimate: where a derivation should finish first, and why the winner won."""

from __future__ import annotations

import pytest

from nixswarm.hook.hosts import HostInfo
from nixswarm.hook.score import MIB, Score, Situation, mib, over_limit, rank, score_host, why

NOW = 1000.0
X86 = "x86_64-linux"


def host(
    name: str,
    *,
    slots: int = 1,
    cores: int = 1,
    speed: float = 1.0,
    max_load: float | None = None,
    load: float | None = None,
    systems: tuple[str, ...] = (X86,),
    features: tuple[str, ...] = (),
) -> HostInfo:
    return HostInfo(
        name,
        f"ssh-ng://{name}",
        systems=systems,
        features=features,
        slots=slots,
        cores=cores,
        speed=speed,
        max_load=max_load,
        load=load,
    )


def situation(
    *,
    has: dict[str, set[str]] | None = None,
    sizes: dict[str, int] | None = None,
    running: dict[str, list[float]] | None = None,
    known: dict[str, float] | None = None,
    waiting: dict[str, int] | None = None,
    loads: dict[str, float] | None = None,
    down: dict[str, float] | None = None,
    bandwidths: dict[str, float] | None = None,
) -> Situation:
    sized = sizes or {}
    return Situation(
        now=NOW,
        has=has or {},
        size=lambda p: sized.get(p, 0),
        running={h: [(t, 10.0) for t in starts] for h, starts in (running or {}).items()},
        waiting=waiting or {},
        loads=loads or {},
        down=down or {},
        work=10.0,
        known=known,
        bandwidths=bandwidths,
    )


def names(scores: list[Score]) -> list[str]:
    return [s.name for s in scores]


def test_the_host_that_has_the_inputs_wins_and_says_so() -> None:
    s = situation(has={"b": {"/nix/store/p1"}}, sizes={"/nix/store/p1": 400 * MIB})
    scores, left_out = rank([host("a"), host("b")], X86, (), ["/nix/store/p1"], s)
    assert names(scores) == ["b", "a"]
    assert left_out == []
    b, a = scores
    assert (b.have_bytes, b.copy_bytes) == (400 * MIB, 0)
    assert (a.have_bytes, a.copy_bytes) == (0, 400 * MIB)
    assert a.finish == pytest.approx(b.finish + 4.0)  # 400 MiB at 100 MiB/s
    assert why(b, scores, left_out) == "inputs there: 400 MiB"


def test_a_host_over_its_load_limit_is_left_out_with_its_load_and_limit() -> None:
    s = situation(loads={"nxb3": 6.1})
    scores, left_out = rank([host("nxb1"), host("nxb3", max_load=4)], X86, (), [], s)
    assert names(scores) == ["nxb1"]
    assert left_out == [("nxb3", "over its load limit (6.1 > 4)")]
    assert why(scores[0], scores, left_out) == "the only eligible host; nxb3 over its load limit (6.1 > 4)"


def test_the_load_of_the_check_counts_against_the_limit_until_a_live_one_comes() -> None:
    busy = host("b", max_load=2, load=3.0)
    assert rank([busy], X86, (), [], situation())[1] == [("b", "over its load limit (3.0 > 2)")]
    scores, left_out = rank([busy], X86, (), [], situation(loads={"b": 1.0}))
    assert (names(scores), left_out) == (["b"], [])


def test_a_load_at_the_limit_is_not_over_it() -> None:
    assert over_limit(host("b", max_load=4), 4.0) is None
    assert over_limit(host("b"), 500.0) is None
    assert over_limit(host("b", max_load=0.5), 0.55) == "over its load limit (0.6 > 0.5)"


def test_a_host_marked_down_is_left_out_until_its_time_is_up() -> None:
    hosts = [host("a"), host("b")]
    scores, left_out = rank(hosts, X86, (), [], situation(down={"b": NOW + 12}))
    assert names(scores) == ["a"]
    assert left_out == [("b", "did not connect, retried after 12 s")]
    scores, left_out = rank(hosts, X86, (), [], situation(down={"b": NOW - 1}))
    assert (names(scores), left_out) == (["a", "b"], [])


def test_a_host_that_cannot_build_it_is_left_out_with_its_refusal() -> None:
    hosts = [host("a"), host("arm", systems=("aarch64-linux",), max_load=1, load=9.0)]
    scores, left_out = rank(hosts, X86, (), [], situation(down={"arm": NOW + 5}))
    assert names(scores) == ["a"]
    assert left_out == [("arm", "does not build x86_64-linux")]  # the type refusal comes first
    assert why(scores[0], scores, left_out) == "the only eligible host; arm does not build x86_64-linux"


def test_a_full_host_waits_for_its_soonest_slot() -> None:
    s = situation(running={"a": [NOW - 4, NOW - 1]})
    score = score_host(host("a", slots=2, cores=4), [], s)
    assert score.free is False
    assert score.running == 2
    assert score.wait == pytest.approx(6.0)  # the older job has 6 of its 10 s left
    assert score.finish == pytest.approx(6.0 + 10 * (1 + 1 / 4))  # it starts once one of the two has ended


def test_derivations_waiting_for_a_full_host_lengthen_its_wait() -> None:
    s = situation(running={"a": [NOW - 4]}, waiting={"a": 2})
    assert score_host(host("a"), [], s).wait == pytest.approx(6.0 + 10 * 2)


def test_a_host_with_a_slot_left_is_free_and_does_not_wait() -> None:
    score = score_host(host("a", slots=2, cores=2), [], situation(running={"a": [NOW]}))
    assert (score.free, score.wait, score.running) == (True, 0.0, 1)


def test_a_full_host_ranks_after_a_free_one_and_its_wait_is_told() -> None:
    s = situation(running={"a": [NOW - 1]})
    scores, left_out = rank([host("a"), host("b")], X86, (), [], s)
    assert names(scores) == ["b", "a"]
    assert why(scores[1], scores, left_out).endswith("waits ~9 s for a slot")


def test_a_loaded_host_ranks_after_an_idle_one() -> None:
    s = situation(loads={"a": 4.0})
    scores, left_out = rank([host("a", cores=2), host("b", cores=2)], X86, (), [], s)
    assert names(scores) == ["b", "a"]
    assert scores[1].finish == pytest.approx(10 * (1 + 4 / 2))
    assert scores[0].finish == pytest.approx(10.0)
    assert why(scores[0], scores, left_out) == "least busy (load 0.0)"


def test_this_build_s_own_jobs_count_when_the_load_has_not_caught_up() -> None:
    s = situation(running={"a": [NOW, NOW]}, loads={"a": 0.0})
    assert score_host(host("a", slots=4, cores=2), [], s).finish == pytest.approx(10 * (1 + 2 / 2))


def test_a_faster_host_finishes_sooner() -> None:
    scores, _ = rank([host("slow"), host("fast", speed=4)], X86, (), [], situation())
    assert names(scores) == ["fast", "slow"]
    assert scores[0].finish == pytest.approx(2.5)


@pytest.mark.parametrize("order", [["h1", "h2", "h3"], ["h3", "h1", "h2"]])
def test_ties_keep_the_host_order(order: list[str]) -> None:
    scores, _ = rank([host(n) for n in order], X86, (), [], situation())
    assert names(scores) == order
    assert why(scores[0], scores, []) == "soonest finish"


def test_a_live_load_overrides_the_load_of_the_check() -> None:
    h = host("a", load=8.0)
    assert score_host(h, [], situation()).load == 8.0
    assert score_host(h, [], situation(loads={"a": 0.5})).load == 0.5
    assert score_host(host("a"), [], situation()).load == 0.0


def test_a_path_no_host_got_from_this_build_costs_nobody_anything() -> None:
    sizes = {"/nix/store/x": 1 << 30, "/nix/store/y": 3 * MIB}
    s = situation(has={"a": {"/nix/store/y"}}, sizes=sizes)
    a = score_host(host("a"), ["/nix/store/x", "/nix/store/y"], s)
    b = score_host(host("b"), ["/nix/store/x", "/nix/store/y"], s)
    assert (a.have_bytes, a.copy_bytes) == (3 * MIB, 0)
    assert (b.have_bytes, b.copy_bytes) == (0, 3 * MIB)


def test_the_host_with_most_inputs_there_or_least_to_copy_is_told() -> None:
    sizes = {"/p1": 50 * MIB, "/p2": 200 * MIB}
    s = situation(has={"a": {"/p1"}, "b": {"/p2"}}, sizes=sizes)
    scores, _ = rank([host("a"), host("b"), host("c")], X86, (), ["/p1", "/p2"], s)
    assert names(scores) == ["b", "a", "c"]
    assert why(scores[0], scores, []) == "inputs there: 200 MiB"
    # neither has any of it: the one with less to copy is told so
    s = situation(has={"x": {"/p1", "/p2"}}, sizes=sizes)
    only_copy = [score_host(host("z"), ["/p1"], s), score_host(host("w"), ["/p1", "/p2"], s)]
    assert why(only_copy[0], only_copy, []) == "least to copy: 50 MiB"


def test_small_amounts_are_told_in_kib() -> None:
    assert mib(512 * 1024) == "512 KiB"
    assert mib(3 * MIB) == "3 MiB"


def test_a_score_as_json_has_the_documented_keys_rounded() -> None:
    score = Score("b1", finish=12.34567, wait=1.00049, free=False, copy_bytes=5, have_bytes=7, load=1.234, running=2)
    assert score.as_json() == {
        "host": "b1",
        "finish_s": 12.346,
        "wait_s": 1.0,
        "free_slot": False,
        "copy_bytes": 5,
        "inputs_there_bytes": 7,
        "load": 1.23,
        "running": 2,
        "work_s": 0.0,
    }


def test_a_left_out_host_is_named_even_when_its_name_begins_its_refusal() -> None:
    hosts = [host("a"), host("d", systems=("aarch64-linux",)), host("b3", max_load=1)]
    scores, left_out = rank(hosts, X86, (), [], situation(loads={"b3": 2.0}))
    assert why(scores[0], scores, left_out) == (
        "the only eligible host; d does not build x86_64-linux; b3 over its load limit (2.0 > 1)"
    )


def test_a_host_named_like_the_first_word_of_its_refusal_is_still_named() -> None:
    s = situation(down={"did": NOW + 12})
    scores, left_out = rank([host("a"), host("did")], X86, (), [], s)
    assert why(scores[0], scores, left_out) == "the only eligible host; did did not connect, retried after 12 s"


def test_a_derivation_s_own_history_sets_its_work_on_each_host() -> None:
    s = situation(known={"a": 30.0, "*": 4.0})
    scores, _ = rank([host("a"), host("b", speed=2.0)], X86, (), [], s)
    assert names(scores) == ["b", "a"]  # b: 4 s at speed 1 over speed 2 beats a's own 30 s
    assert [sc.work for sc in scores] == pytest.approx([2.0, 30.0])


def test_without_history_the_build_s_median_is_scaled_by_speed() -> None:
    scores, _ = rank([host("a"), host("b", speed=4.0)], X86, (), [], situation())
    assert [sc.name for sc in scores] == ["b", "a"]
    assert [sc.work for sc in scores] == pytest.approx([2.5, 10.0])


def test_the_longest_work_goes_to_the_fastest_host() -> None:
    hosts = [host("slow"), host("fast", speed=3.0)]
    long_job, _ = rank(hosts, X86, (), [], situation(known={"*": 60.0}))
    assert long_job[0].name == "fast"
    assert long_job[0].finish == pytest.approx(20.0)
