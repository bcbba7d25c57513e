"""nix's internal-json stderr lines become typed events; hostile or broken lines become bounded plain text."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nixswarm.build.log_events import (
    MAX_TEXT,
    ActivityStopped,
    BuildCounts,
    BuildsActivity,
    BuildStarted,
    Connecting,
    CopyingOutputs,
    Event,
    LogLine,
    Message,
    PhaseChanged,
    PlainText,
    parse_line,
)

DATA = Path(__file__).parent / "data"
B1 = "ssh-ng://root@10.77.186.11"
DRV = "/nix/store/vrhb5j47m1msfshpzx8fchd9xhhfj2hp-hello.drv"


def events(name: str) -> list[Event]:
    """The events of a stderr capture of Nix 2.8 (see tests/unit/data)."""
    parsed = (parse_line(line) for line in (DATA / name).read_text().splitlines())
    return [event for event in parsed if event is not None]


def nix(**data: object) -> str:
    return "@nix " + json.dumps(data)


def texts(event: Event) -> list[str]:
    return [value for value in vars(event).values() if isinstance(value, str)]


# ---- real captures of Nix 2.8 ----------------------------------------------------------------------


def test_a_local_build_starts_with_its_drv_and_no_machine() -> None:
    started = [e for e in events("nix28-local-ok.log") if isinstance(e, BuildStarted)]
    assert len(started) == 1
    assert started[0].drv.startswith("/nix/store/") and started[0].drv.endswith("-hello.drv")
    assert started[0].machine == ""


def test_a_local_build_gives_its_phase_and_log_lines_under_its_activity() -> None:
    got = events("nix28-local-ok.log")
    build = next(e for e in got if isinstance(e, BuildStarted))
    assert PhaseChanged(build.id, "buildPhase") in got
    lines = [e.text for e in got if isinstance(e, LogLine) and e.id == build.id]
    assert lines == ["building on local", "a line on stderr"]
    assert ActivityStopped(build.id) in got


def test_a_remote_build_names_the_machine_as_the_machines_file_does() -> None:
    started = [e for e in events("nix28-remote-ok.log") if isinstance(e, BuildStarted)]
    assert started[0].machine == B1
    # the ssh-ng builder's own build activity is forwarded too, with no machine
    assert [s.machine for s in started] == [B1, ""]
    assert started[0].drv == started[1].drv


def test_an_ssh_remote_build_names_the_machine_with_the_ssh_scheme() -> None:
    started = [e for e in events("nix28-remote-ok-ssh.log") if isinstance(e, BuildStarted)]
    assert [s.machine for s in started] == ["ssh://root@10.77.186.11"]


def test_the_hook_says_which_machine_it_connects_to_and_copies_outputs_from() -> None:
    got = events("nix28-remote-ok.log")
    assert [e.machine for e in got if isinstance(e, Connecting)] == [B1]
    assert [e.machine for e in got if isinstance(e, CopyingOutputs)] == [B1]


def test_the_top_level_builds_activity_counts_done_and_failed_builds() -> None:
    got = events("nix28-local-fail.log")
    top = next(e for e in got if isinstance(e, BuildsActivity))
    counts = [e for e in got if isinstance(e, BuildCounts) and e.id == top.id]
    assert counts[-1] == BuildCounts(top.id, done=0, expected=0, running=0, failed=1)


def test_a_refused_builder_shows_as_sshs_own_line_then_a_message_naming_the_machine() -> None:
    got = events("nix28-remote-refused.log")
    assert PlainText("ssh: connect to host 10.77.186.12 port 22: Connection refused") in got
    messages = [e.text for e in got if isinstance(e, Message) and e.level == 0]
    assert messages[0] == (
        "cannot build on 'ssh-ng://root@10.77.186.12': error: cannot open connection to remote store "
        "'ssh-ng://root@10.77.186.12': error: unexpected end-of-file"
    )
    assert messages[-1].startswith("error: unable to start any build; remote machines may not have")


def test_messages_lose_their_colour_escapes_but_keep_their_lines() -> None:
    got = [e for e in events("nix28-remote-fail.log") if isinstance(e, Message) and e.level == 0]
    assert got
    assert all("\x1b" not in e.text for e in got)
    assert "\n       > error: the widget is broken\n" in got[0].text


def test_every_nix_event_of_every_capture_is_well_formed() -> None:
    for path in sorted(DATA.glob("nix2*-*.log")):  # 2.8, 2.26 and 2.34
        for line in path.read_text().splitlines():
            event = parse_line(line)
            if line.startswith("@nix "):
                assert not isinstance(event, PlainText), (path.name, line)
            else:
                assert isinstance(event, PlainText), (path.name, line)


# ---- current Nix ----------------------------------------------------------------------------------


def test_a_build_start_of_current_nix_with_its_parent_field_parses_the_same() -> None:
    line = nix(
        action="start", id=7, level=3, parent=2, type=105, text=f"building '{DRV}' on '{B1}'", fields=[DRV, B1, 1, 1]
    )
    assert parse_line(line) == BuildStarted(7, DRV, B1)


def test_a_message_of_current_nix_with_its_position_fields_parses_the_same() -> None:
    line = nix(
        action="msg", level=0, msg="\x1b[31;1merror:\x1b[0m boom", raw_msg="boom", line=None, column=None, file=None
    )
    assert parse_line(line) == Message(0, "error: boom")


def test_post_build_hook_lines_are_log_lines_marked_as_such() -> None:
    assert parse_line(nix(action="result", id=3, type=107, fields=["signing"])) == LogLine(3, "signing", True)


@pytest.mark.parametrize(
    "line",
    [
        nix(action="start", id=1, level=0, type=102, text=""),
        nix(action="start", id=1, level=4, type=0, text="copying dependencies to 'ssh://b1'"),
        nix(action="result", id=1, type=106, fields=[101, 0]),
        nix(action="setPhase", phase="buildPhase"),
        nix(action="something-new", id=1),
    ],
)
def test_events_nixswarm_does_not_need_are_ignored(line: str) -> None:
    assert parse_line(line) is None


# ---- hostile input ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "line",
    [
        "@nix ",
        "@nix {",
        "@nix []",
        "@nix null",
        "@nix " + "[" * 100_000,
        nix(action="start", id=1, type=105, fields=[1, 2]),
        nix(action="start", id=1, type=105),
        nix(action="start", id=True, type=105, fields=[DRV, ""]),
        nix(action="start", id=-1, type=105, fields=[DRV, ""]),
        nix(action="start", id=2**64, type=105, fields=[DRV, ""]),
        nix(action="result", id=1, type=101, fields="line"),
        nix(action="result", id=1, type=101, fields=[]),
        nix(action="result", id=1, type=105, fields=[1, 2, 3]),
        nix(action="msg", level="0", msg="x"),
        nix(action="msg", level=0, msg=["x"]),
        nix(action="stop"),
        '@nix {"action":"stop","id":1' + "9" * 5000 + "}",
    ],
)
def test_a_malformed_nix_event_becomes_plain_text(line: str) -> None:
    event = parse_line(line)
    assert isinstance(event, PlainText)
    assert len(event.text) <= MAX_TEXT


def test_any_text_is_cut_to_the_limit() -> None:
    huge = "x" * (MAX_TEXT * 10)
    assert parse_line(huge) == PlainText("x" * MAX_TEXT)
    event = parse_line(nix(action="result", id=1, type=101, fields=[huge]))
    assert event == LogLine(1, "x" * MAX_TEXT, False)


def test_terminal_escapes_and_controls_in_a_builders_output_are_removed() -> None:
    evil = "\x1b]0;owned\x07a\x1b[2Jb\x9b31mc\x1bPq#0\x1b\\d\x00e\rf\x08g"
    assert parse_line(nix(action="result", id=1, type=101, fields=[evil])) == LogLine(1, "abcdefg", False)
    assert parse_line(evil) == PlainText("abcdefg")
    machine = parse_line(nix(action="start", id=1, type=105, fields=[DRV, "ssh://\x1b[31mb1\n"]))
    assert machine == BuildStarted(1, DRV, "ssh://b1")


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=12,
)
NIXISH = st.fixed_dictionaries(
    {"action": st.sampled_from(["start", "stop", "result", "msg", "setPhase"]) | JSON},
    optional={
        "id": st.integers(min_value=-1, max_value=2**65) | JSON,
        "type": st.sampled_from([0, 101, 102, 104, 105, 106, 107, 111]) | JSON,
        "level": st.integers(min_value=-1, max_value=9) | JSON,
        "text": st.sampled_from(["connecting to 'ssh://b1'", "copying outputs from 'x'", ""]) | JSON,
        "msg": st.text(max_size=40) | JSON,
        "fields": st.lists(st.integers(min_value=-1, max_value=2**64) | st.text(max_size=30) | JSON, max_size=5) | JSON,
    },
)


def check(line: str) -> None:
    event = parse_line(line)
    if event is not None:
        assert all(len(text) <= MAX_TEXT and "\x1b" not in text for text in texts(event))


@settings(max_examples=300)
@given(st.text(max_size=300))
def test_arbitrary_text_never_raises(line: str) -> None:
    check(line)
    check("@nix " + line)


@settings(max_examples=300)
@given(JSON)
def test_arbitrary_json_after_the_prefix_never_raises(value: object) -> None:
    check("@nix " + json.dumps(value))


@settings(max_examples=500)
@given(NIXISH)
def test_arbitrary_nix_shaped_json_never_raises(value: dict[str, object]) -> None:
    check("@nix " + json.dumps(value))
