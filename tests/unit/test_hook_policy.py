"""The placement decision, and the flock'ed ledger that Nix's concurrent hook processes share."""

from __future__ import annotations

import multiprocessing
import random
from pathlib import Path

import pytest

from nixswarm.hook.ledger import Ledger, Placed, parse_ledger, render_ledger
from nixswarm.hook.policy import LOCAL, REMOTE, decide, forwarded_am_willing, outcome, tally


def simulate(share: float, count: int = 100, seed: int = 1, free_local: float = 0.5) -> list[tuple[bool, str]]:
    """count derivations, each asked once with a random amWilling; a hold (LOCAL without a slot) builds here later."""
    rng = random.Random(seed)
    placed: Placed = {}
    seen = []
    for index in range(count):
        drv = f"d{index}"
        free = rng.random() < free_local
        local, remote = tally(placed, drv)
        where = decide(share, local, remote, free_slot=free, local_ok=True, prior=None)
        placed[drv] = (where, ())
        seen.append((free, where))
    return seen


@pytest.mark.parametrize("share", [0.1, 0.25, 0.5, 0.75, 0.9])
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_local_share_converges_to_w_within_a_few_percent_over_100_decisions(share: float, seed: int) -> None:
    seen = simulate(share, seed=seed)
    local = sum(1 for _, where in seen if where == LOCAL) / len(seen)
    assert abs(local - share) <= 0.02


def test_prefer_local_declines_whenever_a_local_slot_is_free_and_only_then() -> None:
    for free, where in simulate(1.0, free_local=0.6):
        assert where == (LOCAL if free else REMOTE)


def test_w_0_never_declines() -> None:
    assert {where for _, where in simulate(0.0, free_local=1.0)} == {REMOTE}


def test_a_derivation_this_machine_cannot_build_goes_to_the_real_hook() -> None:
    for share in (0.0, 0.5, 1.0):
        assert decide(share, 0, 10, free_slot=True, local_ok=False, prior=None) == REMOTE


def test_a_derivation_asked_about_again_keeps_its_place() -> None:
    # Nix asks again after a derivation waited for a local slot; the quota must not move it
    assert decide(0.5, 10, 0, free_slot=False, local_ok=True, prior=LOCAL) == LOCAL


def test_the_real_hook_postpones_rather_than_declines_what_the_policy_sends_remote() -> None:
    assert forwarded_am_willing(0.0, am_willing=True, free_slot=True) is False  # remote only
    assert forwarded_am_willing(0.5, am_willing=True, free_slot=False) is False  # the slot is claimed
    assert forwarded_am_willing(0.5, am_willing=True, free_slot=True) is True
    # prefer local keeps Nix's own overflow: a derivation declined then waits for the next free local slot
    assert forwarded_am_willing(1.0, am_willing=True, free_slot=False) is True


def test_the_real_hooks_reply_says_where_the_derivation_went() -> None:
    assert outcome("accept") == REMOTE
    assert outcome("decline") == LOCAL
    assert outcome("decline-permanently") == LOCAL
    assert outcome("postpone") is None


def test_the_ledger_text_round_trips_and_skips_junk() -> None:
    placed: Placed = {
        "/nix/store/a.drv": (LOCAL, ("/nix/store/a.lock", "/nix/store/a-dev.lock")),
        "/nix/store/b.drv": (REMOTE, ()),
    }
    assert parse_ledger(render_ledger(placed) + "junk\n\n") == placed


def _place_many(folder: str, worker: int) -> None:
    ledger = Ledger(folder)
    for index in range(40):

        def change(placed: Placed, index: int = index) -> None:
            placed[f"/nix/store/w{worker}-{index}.drv"] = (LOCAL if index % 2 else REMOTE, ())

        ledger.update(change)


def test_concurrent_hook_processes_lose_no_ledger_entry(tmp_path: Path) -> None:
    context = multiprocessing.get_context("fork")
    workers = [context.Process(target=_place_many, args=(str(tmp_path), w)) for w in range(4)]
    for process in workers:
        process.start()
    for process in workers:
        process.join(timeout=60)
        assert process.exitcode == 0
    entries = Ledger(str(tmp_path)).entries()
    assert len(entries) == 160
    assert tally(entries, "") == (80, 80)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ledger", "ledger.lock"]  # no temp file left


def test_a_quota_lets_remote_bound_work_overflow_locally_only_a_little_past_the_share() -> None:
    from nixswarm.hook.policy import OVERFLOW_SLACK, forwarded_am_willing

    assert forwarded_am_willing(0.25, True, True, local=1, remote=8)  # 10% local: overflow is welcome
    assert not forwarded_am_willing(0.25, True, True, local=4, remote=6)  # 36% local: past 25% + slack
    assert not forwarded_am_willing(0.25, True, False, local=0, remote=3)  # no free local slot
    limit = round((0.25 + OVERFLOW_SLACK) * 20)
    assert [forwarded_am_willing(0.25, True, True, local=n, remote=19 - n) for n in (limit - 1, limit)] == [True, False]
