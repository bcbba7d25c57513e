"""The build screen's listener feeds nix's lines to the board in batches and asks for a redraw at once when a build
starts or ends, but for a chatty build's log lines alone at most every CHATTY seconds."""

from __future__ import annotations

import json

from nixswarm.build.eta import no_history
from nixswarm.build.log_flags import LogWish
from nixswarm.tui.build_board import MAX_LOG, BuildBoard
from nixswarm.tui.screens.build import CHATTY, _Feed
from tests.unit.fake_clock import Clock

DRV = "/nix/store/vrhb5j47m1msfshpzx8fchd9xhhfj2hp-chatty.drv"
START = "@nix " + json.dumps({"action": "start", "fields": [DRV, "", 1, 1], "id": 9, "type": 105})


def log(n: int) -> str:
    return f'@nix {{"action":"result","fields":["line {n}"],"id":9,"type":101}}'


def test_log_lines_alone_ask_for_a_redraw_at_most_every_chatty_seconds() -> None:
    clock, asked = Clock(), []
    feed = _Feed(BuildBoard(clock), lambda: asked.append(clock.now))
    feed.started(LogWish(), lambda drv: "", no_history)
    asked.clear()
    feed.lines([START])
    for n in range(100):
        clock.now += CHATTY / 10
        feed.lines([log(n)])
    assert len(asked) == 10  # the start, then one per CHATTY seconds


def test_the_board_keeps_the_last_lines_of_a_chatty_build_and_counts_the_rest() -> None:
    board = BuildBoard(Clock())
    board.feed_lines([START, *(log(n) for n in range(MAX_LOG + 7))])
    kept = board.logs[DRV]
    assert kept.dropped == 7 and len(kept.lines) == MAX_LOG
    assert kept.lines[0] == "line 7" and kept.lines[-1] == f"line {MAX_LOG + 6}"
