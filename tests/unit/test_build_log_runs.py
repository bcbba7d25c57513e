"""A block of nix's stderr is cut into runs of plain log lines and other lines: every line comes back once, in
order, and a line is in a run exactly when build_log_line reads it, with the text it reads."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nixswarm.build import log_events, log_runs
from nixswarm.build.line_block import LineBlock, block_text
from nixswarm.build.log_events import MAX_TEXT, build_log_line
from nixswarm.build.log_runs import LogRun, log_parts


def log_line(text: str, activity: int | str, *, ascii_only: bool = False) -> str:
    """A resBuildLogLine as Nix writes it (activity as digits, or any text in its place)."""
    return (
        f'@nix {{"action":"result","fields":{json.dumps([text], ensure_ascii=ascii_only)},"id":{activity},"type":101}}'
    )


TEXTS = st.one_of(
    st.text(alphabet=st.characters(codec="ascii"), max_size=12),
    st.text(max_size=12),  # anything: quotes, backslashes, controls, NBSP
    st.sampled_from(["", "done   ", "\u00a0", "tab\there", "naïve", "\x7f", "\u200b", "a\u2028b", "x" * 5000]),
)
ACTIVITIES = st.sampled_from([0, 7, 8, 2**64 - 1, 2**64, "07", "-1", "\u0665"])
LINES = st.one_of(
    st.builds(log_line, TEXTS, ACTIVITIES, ascii_only=st.booleans()),
    st.builds(lambda t: log_line(t, 7)[:-1] + "x", TEXTS),  # almost a log line
    st.sampled_from(['@nix {"action":"stop","id":7}', "", "plain text", "@nix ", "\r", "é\r"]),
)


def parts_of(lines: list[str]) -> list[str | LogRun]:
    return list(log_parts("".join(f"{line}\n" for line in lines)))


def run_lines(run: LogRun) -> list[str]:
    return run.block[run.start : run.stop - 1].split("\n")


@settings(max_examples=600)
@given(st.lists(LINES, max_size=30))
def test_every_line_comes_back_once_in_order(lines: list[str]) -> None:
    back = [line for part in parts_of(lines) for line in ([part] if isinstance(part, str) else run_lines(part))]
    assert back == lines


@settings(max_examples=600)
@given(st.lists(LINES, max_size=30))
def test_a_line_is_in_a_run_exactly_when_build_log_line_reads_it(lines: list[str]) -> None:
    for part in parts_of(lines):
        if isinstance(part, str):
            assert build_log_line(part) is None
            continue
        texts = part.texts()
        assert [build_log_line(line) for line in run_lines(part)] == [(part.activity, text) for text in texts]
        assert part.first_line() == run_lines(part)[0]


@settings(max_examples=300)
@given(
    st.lists(st.builds(log_line, TEXTS, st.just(9)), min_size=1, max_size=30), st.integers(0, 12), st.integers(0, 12)
)
def test_the_first_and_last_texts_of_a_run_are_those_of_all_its_texts(lines: list[str], first: int, last: int) -> None:
    for part in parts_of(lines):
        if isinstance(part, LogRun):
            texts = part.texts()
            kept = texts[:first] + texts[max(first, len(texts) - last) :]
            assert part.texts(first=first, last=last) == kept


@settings(max_examples=300)
@given(st.lists(st.tuples(st.integers(0, 120), st.sampled_from(["x", "é"])), max_size=12))
def test_a_line_too_long_for_json_is_left_alone_wherever_it_falls(sizes: list[tuple[int, str]]) -> None:
    lines = [log_line(letter * size, 5) for size, letter in sizes]
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(log_events, "MAX_JSON", 100)
        patch.setattr(log_runs, "MAX_JSON", 100)
        for part in parts_of(lines):
            assert (
                (build_log_line(part) is None) if isinstance(part, str) else all(map(build_log_line, run_lines(part)))
            )
        assert sum(1 if isinstance(p, str) else len(run_lines(p)) for p in parts_of(lines)) == len(lines)


def test_a_build_that_prints_many_lines_is_one_run() -> None:
    lines = [log_line(f"line {n}", 12345) for n in range(10_000)]
    (run,) = parts_of(lines)
    assert isinstance(run, LogRun) and run.activity == 12345
    assert run.texts(first=1, last=2) == ["line 0", "line 9998", "line 9999"]


def test_a_run_ends_where_another_activity_or_event_begins() -> None:
    lines = [log_line("a", 1), log_line("b", 1), log_line("c", 2), '@nix {"action":"stop","id":2}', log_line("d", 1)]
    shape = [(p.activity, p.texts()) if isinstance(p, LogRun) else p for p in parts_of(lines)]
    assert shape == [(1, ["a", "b"]), (2, ["c"]), '@nix {"action":"stop","id":2}', (1, ["d"])]


def test_a_line_that_is_not_printable_splits_a_run_and_is_left_alone() -> None:
    lines = [log_line("naïve", 3), log_line("no\u00a0break", 3), log_line("after", 3)]
    shape = [(p.activity, p.texts()) if isinstance(p, LogRun) else p for p in parts_of(lines)]
    assert shape == [(3, ["naïve"]), lines[1], (3, ["after"])]


def test_a_run_cuts_its_texts_as_build_log_line_does() -> None:
    (run,) = parts_of([log_line("trailing   ", 4), log_line("y" * 20_000, 4)])
    assert isinstance(run, LogRun) and run.texts() == ["trailing", "y" * MAX_TEXT]


def test_a_line_block_is_the_sequence_of_its_lines() -> None:
    block = LineBlock("a\n\nb\r\n")
    assert list(block) == ["a", "", "b\r"] and len(block) == 3 and block[2] == "b\r" and block[:1] == ["a"]
    assert list(LineBlock("")) == [] and list(LineBlock("\n")) == [""]
    assert block_text(block) == "a\n\nb\r\n" and block_text(["a", ""]) == "a\n\n" and block_text([]) == ""


def test_lines_that_hold_newlines_of_their_own_make_no_block() -> None:
    assert block_text(["a\nb"]) is None
    try:
        LineBlock("no newline")
    except ValueError:
        return
    raise AssertionError("a partial line was taken")
