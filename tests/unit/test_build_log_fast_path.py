"""A builder's plain log line is read without json, and the whole log path folds many lines at once: both say
exactly what parsing every line by itself says."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nixswarm.build.log_events import LogLine, build_log_line, parse_line
from nixswarm.build.log_flags import LogWish
from nixswarm.build.progress import LOG_TAIL, Progress
from nixswarm.build.watch import Watch
from tests.unit.fake_clock import Clock

DATA = Path(__file__).parent / "data"
CAPTURES = sorted(p.name for p in DATA.glob("*.log"))
DRV = "/nix/store/vrhb5j47m1msfshpzx8fchd9xhhfj2hp-chatty.drv"


def log_line(text: str, activity: int, *, ascii_only: bool = False) -> str:
    """A resBuildLogLine as Nix writes it (UTF-8 as is; json.dumps escapes the same characters Nix does)."""
    fields = json.dumps([text], ensure_ascii=ascii_only)
    return f'@nix {{"action":"result","fields":{fields},"id":{activity},"type":101}}'


def agrees(line: str) -> bool:
    """build_log_line answers only where parse_line gives the same plain log line."""
    read = build_log_line(line)
    return read is None or parse_line(line) == LogLine(read[0], read[1], False)


@pytest.mark.parametrize("capture", CAPTURES)
def test_every_line_of_every_capture_reads_as_parse_line_reads_it(capture: str) -> None:
    lines = (DATA / capture).read_text().splitlines()
    assert all(agrees(line) for line in lines)


def test_the_log_lines_of_a_real_build_are_read_without_json() -> None:
    lines = (DATA / "nix28-remote-logs.log").read_text().splitlines()
    plain = [line for line in lines if line.endswith(',"type":101}') and "\\" not in line]
    assert plain and all(build_log_line(line) is not None for line in plain)


@pytest.mark.parametrize(
    "line",
    [
        '@nix {"action":"result","fields":["a\\"b"],"id":5,"type":101}',  # an escaped quote
        '@nix {"action":"result","fields":["a\\\\"],"id":5,"type":101}',  # a backslash at the end
        '@nix {"action":"result","fields":["\\u001b[31mred"],"id":5,"type":101}',
        '@nix {"action":"result","fields":["tab\there"],"id":5,"type":101}',  # a raw control: not JSON
        '@nix {"action":"result","fields":["a"],"id":05,"type":101}',
        '@nix {"action":"result","fields":["a"],"id":-5,"type":101}',
        '@nix {"action":"result","fields":["a"],"id":18446744073709551616,"type":101}',
        '@nix {"action":"result","fields":["a"],"id":\u0665,"type":101}',  # an Arabic-Indic five
        '@nix {"action":"result","fields":["a","b"],"id":5,"type":101}',
        '@nix {"action":"result","fields":["],"id":5,"type":101}',
        '@nix {"action":"result","fields":["a"],"id":5,"type":107}',
        '@nix {"action":"result","fields":["a"],"id":5,"type":101}\r',
        '@nix {"action":"result","fields":["a"],"id":5,"type":101}x',
    ],
)
def test_a_line_that_is_not_plainly_a_log_line_is_left_to_parse_line(line: str) -> None:
    assert build_log_line(line) is None


def test_a_log_line_with_trailing_blanks_loses_them_as_parse_line_does() -> None:
    assert build_log_line(log_line("done   ", 7)) == (7, "done")
    assert build_log_line(log_line("x" * 20000, 7)) == (7, "x" * 4096)


@settings(max_examples=500)
@given(st.text(max_size=60), st.integers(min_value=-2, max_value=2**64 + 2), st.booleans())
def test_any_text_and_activity_read_without_json_match_parse_line(text: str, activity: int, ascii_only: bool) -> None:
    line = log_line(text, activity, ascii_only=ascii_only)
    assert agrees(line)
    plain = text.isprintable() and '"' not in text and "\\" not in text and (text.isascii() or not ascii_only)
    if plain and 0 <= activity < 2**64:
        assert build_log_line(line) is not None


@settings(max_examples=500)
@given(st.text(max_size=40), st.text(max_size=40))
def test_any_line_shaped_like_a_log_line_reads_as_parse_line_reads_it(middle: str, end: str) -> None:
    assert agrees('@nix {"action":"result","fields":["' + middle + '"],"id":' + end)
    assert agrees('@nix {"action":"result","fields":["' + middle + end + ',"type":101}')


def replay(capture: str, wish: LogWish, *, at_once: bool) -> str:
    """What Watch shows of a capture fed all at once, or one line at a time."""
    out, clock = io.StringIO(), Clock()
    watch = Watch({}, interactive=False, wish=wish, stream=out, clock=clock)
    lines = (DATA / capture).read_text().splitlines()
    if at_once:
        watch.feed_lines(lines)
    else:
        for line in lines:
            watch.feed(line)
    watch.finish()
    return out.getvalue()


@pytest.mark.parametrize("capture", CAPTURES)
@pytest.mark.parametrize("wish", [LogWish(), LogWish(print_logs=True), LogWish(style="json")], ids=str)
def test_a_capture_fed_at_once_shows_what_it_shows_line_by_line(capture: str, wish: LogWish) -> None:
    assert replay(capture, wish, at_once=True) == replay(capture, wish, at_once=False)


def test_a_builds_result_keeps_its_last_log_lines_read_without_json() -> None:
    progress = Progress()
    start = {"action": "start", "fields": [DRV, "", 1, 1], "id": 9, "type": 105}
    lines = [
        "@nix " + json.dumps(start),
        *(log_line(f"line {n}", 9) for n in range(1000)),
        "@nix " + json.dumps({"action": "stop", "id": 9}),
    ]
    for line in lines:
        if (read := build_log_line(line)) is None or not progress.keep_log(*read):
            progress.feed_line(line)
    assert progress.results()[0].log_tail == tuple(f"line {n}" for n in range(1000 - LOG_TAIL, 1000))


def test_a_log_line_after_nix_counted_a_build_ends_it_as_a_parsed_one_does() -> None:
    other = DRV.replace("chatty", "other")
    events = [
        {"action": "start", "id": 1, "type": 104},
        {"action": "start", "fields": [DRV, "", 1, 1], "id": 9, "type": 105},
        {"action": "start", "fields": [other, "", 1, 1], "id": 10, "type": 105},
        {"action": "result", "fields": [1, 2, 1, 0], "id": 1, "type": 105},
    ]
    lines = ["@nix " + json.dumps(e) for e in events] + [log_line("still going", 10), log_line("more", 10)]
    slow, fast = Progress(clock=Clock()), Progress(clock=Clock())
    for line in lines:
        slow.feed_line(line)
        if (read := build_log_line(line)) is None or not fast.keep_log(*read):
            fast.feed_line(line)
    assert fast.results() == slow.results() and len(fast.results()) == 1
    assert fast.running() == slow.running()
