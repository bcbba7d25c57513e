"""Folding a batch of nix's lines at once (runs of plain log lines in bulk) shows and keeps exactly what parsing
every line and feeding its event one by one does, whatever the lines and however they are batched."""

from __future__ import annotations

import io
import json
from collections.abc import Sequence

from hypothesis import given, settings
from hypothesis import strategies as st

from nixswarm.build.build_logs import BuildLogs, Shown
from nixswarm.build.line_block import LineBlock
from nixswarm.build.log_events import parse_line
from nixswarm.build.log_flags import LogWish
from nixswarm.build.progress import Progress
from nixswarm.build.results import BuildLog, Change
from nixswarm.build.view_tty import TtyView
from nixswarm.build.watch import Watch
from tests.unit.fake_clock import Clock

DRV = "/nix/store/vrhb5j47m1msfshpzx8fchd9xhhfj2hp-chatty.drv"
OTHER = "/nix/store/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa-other.drv"


def event(data: dict[str, object]) -> str:
    return "@nix " + json.dumps(data)


def log_line(text: str, activity: int) -> str:
    return f'@nix {{"action":"result","fields":{json.dumps([text], ensure_ascii=False)},"id":{activity},"type":101}}'


class LineByLine(Watch):
    """Watch as it was: every line parsed, its event fed to Progress by itself."""

    def feed_lines(self, lines: Sequence[str]) -> None:
        changes: list[Change] = []
        for line in lines:
            parsed = parse_line(line)
            changes += self.progress.feed(parsed)
            changes += self._asked(parsed)
        self.plain.show(changes)


EVENTS = [
    event({"action": "start", "id": 1, "type": 104}),
    event({"action": "start", "fields": [DRV, "", 1, 1], "id": 9, "type": 105}),
    event({"action": "start", "fields": [OTHER, "", 1, 1], "id": 10, "type": 105}),
    event({"action": "result", "fields": [1, 2, 1, 0], "id": 1, "type": 105}),  # a build ended: which, is told next
    event({"action": "result", "fields": [1, 2, 0, 1], "id": 1, "type": 105}),
    event({"action": "stop", "id": 9}),
    event({"action": "stop", "id": 10}),
    event({"action": "msg", "level": 0, "msg": f"error: builder for '{OTHER}' failed"}),
    event({"action": "result", "fields": ["buildPhase"], "id": 9, "type": 104}),
    event({"action": "result", "fields": ["post"], "id": 9, "type": 107}),
    "plain text from ssh",
]
TEXTS = st.one_of(
    st.sampled_from(["", "x", "done   ", "naïve", "no\u00a0break", 'a "quote"', "\x1b[31mred"]), st.text()
)
LINES = st.one_of(st.sampled_from(EVENTS), st.builds(log_line, TEXTS, st.sampled_from([9, 10, 11])))
BATCHES = st.lists(st.lists(LINES, max_size=25), max_size=6)


def shown(
    watch: Watch, batches: Sequence[Sequence[str]]
) -> tuple[str, list[tuple[str, str, str, str, tuple[str, ...]]]]:
    for batch in batches:
        watch.feed_lines(batch)
    watch.finish()
    kept = [(r.drv, r.host, str(r.status), r.error, r.log_tail) for r in watch.progress.results()]
    assert isinstance(watch.stream, io.StringIO)
    return watch.stream.getvalue(), kept


@settings(max_examples=400)
@given(BATCHES, st.booleans(), st.booleans())
def test_lines_folded_in_bulk_show_and_keep_what_they_do_one_by_one(
    batches: list[list[str]], print_logs: bool, as_blocks: bool
) -> None:
    wish = LogWish(print_logs=print_logs)
    fed = [LineBlock("".join(f"{line}\n" for line in batch)) if as_blocks else batch for batch in batches]
    bulk = Watch({}, interactive=False, wish=wish, stream=io.StringIO(), clock=Clock())
    one_by_one = LineByLine({}, interactive=False, wish=wish, stream=io.StringIO(), clock=Clock())
    assert shown(bulk, fed) == shown(one_by_one, batches)


def test_a_long_build_keeps_its_last_lines_and_shows_each_with_dash_l() -> None:
    start = event({"action": "start", "fields": [DRV, "", 1, 1], "id": 9, "type": 105})
    lines = [start, *(log_line(f"line {n}", 9) for n in range(5000)), event({"action": "stop", "id": 9})]
    for print_logs in (False, True):
        wish = LogWish(print_logs=print_logs)
        bulk = Watch({}, interactive=False, wish=wish, stream=io.StringIO(), clock=Clock())
        one_by_one = LineByLine({}, interactive=False, wish=wish, stream=io.StringIO(), clock=Clock())
        out, kept = shown(bulk, [lines[:2500], lines[2500:]])
        assert (out, kept) == shown(one_by_one, [lines])
        assert kept[0][4][-1] == "line 4999" and out.count("chatty> line ") == (5000 if print_logs else 0)


def test_a_line_with_a_newline_of_its_own_is_fed_as_it_is() -> None:
    lines = [event({"action": "start", "fields": [DRV, "", 1, 1], "id": 9, "type": 105}), "two\nlines", "x\n"]
    bulk = Watch({}, interactive=False, wish=LogWish(), stream=io.StringIO(), clock=Clock())
    one_by_one = LineByLine({}, interactive=False, wish=LogWish(), stream=io.StringIO(), clock=Clock())
    assert shown(bulk, [lines]) == shown(one_by_one, [lines])


def test_a_run_of_log_lines_after_nix_counted_a_build_names_it_first() -> None:
    counted = EVENTS[:4]  # two builds run, Nix counts one done without saying which
    lines = [*counted, log_line("still going", 10), log_line("more", 10), EVENTS[6]]
    bulk = Watch({}, interactive=False, wish=LogWish(), stream=io.StringIO(), clock=Clock())
    one_by_one = LineByLine({}, interactive=False, wish=LogWish(), stream=io.StringIO(), clock=Clock())
    out, kept = shown(bulk, [lines])
    assert (out, kept) == shown(one_by_one, [lines])
    assert [(drv, status, tail) for drv, _, status, _, tail in kept] == [
        (DRV, "built", ()),
        (OTHER, "stopped", ("still going", "more")),
    ]


def test_a_run_of_log_lines_scrolls_above_the_lanes_as_its_lines_one_by_one_do() -> None:
    def lanes(changes: list[Shown]) -> str:
        out, clock = io.StringIO(), Clock()
        view = TtyView(Progress(clock=clock), out, clock=clock, size=(100, 10))
        view.show(changes)
        clock.now += 1
        view.show([])
        return out.getvalue()

    texts = ("first", "", "third")
    one_by_one: list[Shown] = [BuildLog("b1", DRV, text, False) for text in texts]
    assert lanes([BuildLogs("b1", DRV, texts)]) == lanes(one_by_one)
    assert "[b1] chatty> first\n[b1] chatty> \n[b1] chatty> third\n" in lanes(one_by_one)
