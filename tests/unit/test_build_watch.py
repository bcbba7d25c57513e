"""Watch shows a build as the user asked Nix to: build logs prefixed by host, more messages, or Nix's own lines."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest

from nixswarm.build.log_flags import LogWish
from nixswarm.build.progress import Progress
from nixswarm.build.results import BuildLog
from nixswarm.build.view_plain import format_change
from nixswarm.build.watch import Watch
from tests.unit.fake_clock import Clock

DATA = Path(__file__).parent / "data"
CAPTURES = ["nix28-remote-logs.log", "nix226-remote-logs.log", "nix234-remote-logs.log"]
"""The same two-host build of four derivations that each print a line naming their host, per Nix version."""
LOGGED = re.compile(r"\[(b\d)\] (lab-\w+-l\d-n\d)> nxlog \2 on (b\d)-\w+")


def names(capture: str) -> dict[str, str]:
    """The capture's machines, `ssh-ng://root@10.77.X.1N`, as bN."""
    machines = set(re.findall(r'"(ssh-ng://root@10\.77\.\d+\.1\d)"', (DATA / capture).read_text()))
    return {m: f"b{m[-1]}" for m in machines}


def replay(capture: str, wish: LogWish, *, interactive: bool = False) -> tuple[str, Watch]:
    out = io.StringIO()
    watch = Watch(names(capture), interactive=interactive, wish=wish, stream=out)
    for line in (DATA / capture).read_text().splitlines():
        watch.feed(line)
    watch.finish()
    return out.getvalue(), watch


@pytest.mark.parametrize("capture", CAPTURES)
def test_each_builds_lines_are_prefixed_with_the_host_that_built_it(capture: str) -> None:
    shown, watch = replay(capture, LogWish(print_logs=True))
    logged = [m.groups() for line in shown.splitlines() if (m := LOGGED.fullmatch(line))]
    assert len(logged) == 4
    assert all(prefix == builder for prefix, _, builder in logged)
    assert {prefix for prefix, _, _ in logged} == {"b1", "b2"}
    stderr_lines = [line for line in shown.splitlines() if "> nxlog-stderr " in line]
    assert len(stderr_lines) == 4 and all(line.startswith("[b") for line in stderr_lines)
    counts = {host: h["built"] for host, h in watch.progress.summary()["hosts"].items()}
    assert counts == {"local": 0, "b1": 2, "b2": 2}


@pytest.mark.parametrize("capture", CAPTURES)
def test_without_print_build_logs_no_build_line_is_shown(capture: str) -> None:
    shown, watch = replay(capture, LogWish())
    assert "nxlog" not in shown
    assert sum(h["built"] for h in watch.progress.summary()["hosts"].values()) == 4


def test_a_log_line_names_the_host_the_derivation_and_a_post_build_hook() -> None:
    drv = "/nix/store/vrhb5j47m1msfshpzx8fchd9xhhfj2hp-foo.drv"
    assert format_change(BuildLog("b1", drv, "hello", post_build=False)) == "[b1] foo> hello"
    assert format_change(BuildLog("local", drv, "signed", post_build=True)) == "[local] foo (post)> signed"


def test_a_line_of_a_build_that_nix_counted_as_ended_still_gets_its_host() -> None:
    drv = "/nix/store/vrhb5j47m1msfshpzx8fchd9xhhfj2hp-foo.drv"
    progress = Progress({"ssh-ng://h": "b1"})
    progress.feed_line('@nix {"action":"start","fields":["' + drv + '","ssh-ng://h",1,1],"id":5,"type":105}')
    progress.feed_line('@nix {"action":"stop","id":5}')
    assert progress.source(5) == ("b1", drv)
    assert progress.source(6) is None


@pytest.mark.parametrize("wish", [LogWish(print_logs=True), LogWish()], ids=["-L", "no -L"])
def test_on_a_terminal_build_lines_scroll_above_the_lanes_and_force_no_redraw(wish: LogWish) -> None:
    capture = "nix234-remote-logs.log"
    clock = Clock()
    out = io.StringIO()
    watch = Watch(names(capture), interactive=True, wish=wish, stream=out, clock=clock)
    for line in (DATA / capture).read_text().splitlines():
        clock.now += 0.0001  # a thousand lines in 0.1 s: one redraw's interval
        watch.feed(line)
    watch.finish()
    output = out.getvalue()
    assert output.count("\x1b[2Knix: ") <= 3, "a redraw per log line"
    shown = re.sub(r"\x1b\[[\d?]*[A-Za-z]", "", output).splitlines()
    assert len([line for line in shown if LOGGED.fullmatch(line)]) == (4 if wish.print_logs else 0)
    assert "nxlog" not in output.rsplit("\x1b[J", 2)[-2]  # the last lanes hold no log line


def test_verbose_shows_nixs_messages_up_to_the_asked_level() -> None:
    info = '@nix {"action":"msg","level":3,"msg":"these 4 derivations will be built:"}'
    debug = '@nix {"action":"msg","level":6,"msg":"chatter"}'
    for wish, expected in [
        (LogWish(), []),
        (LogWish(verbosity=4), ["these 4 derivations will be built:"]),
        (LogWish(verbosity=6), ["these 4 derivations will be built:", "chatter"]),
    ]:
        out = io.StringIO()
        watch = Watch({}, interactive=False, wish=wish, stream=out)
        watch.feed(info)
        watch.feed(debug)
        assert out.getvalue().splitlines() == expected


def test_internal_json_passes_nixs_own_lines_through_then_the_summary() -> None:
    capture = "nix226-remote-logs.log"
    shown, _ = replay(capture, LogWish(style="json"), interactive=True)
    lines = (DATA / capture).read_text().splitlines()
    assert shown.splitlines()[: len(lines)] == lines
    assert shown.splitlines()[len(lines)].split() == ["host", "built", "failed", "build", "time"]
    assert "\x1b[" not in shown and "] building " not in shown


def test_internal_json_lines_keep_no_control_character() -> None:
    out = io.StringIO()
    watch = Watch({}, interactive=False, wish=LogWish(style="json"), stream=out)
    watch.feed('@nix {"action":"msg","level":0,"msg":"\u009b31mred \\u001b[2J"}')
    watch.feed("ssh: \x1b]0;title\x07hello")
    assert out.getvalue() == '@nix {"action":"msg","level":0,"msg":"31mred \\u001b[2J"}\nssh: ]0;titlehello\n'


def test_plain_style_draws_no_lanes_even_on_a_terminal() -> None:
    shown, watch = replay("nix28-remote-logs.log", LogWish(style="plain"), interactive=True)
    assert watch.tty is None
    assert "\x1b[" not in shown and "[b1] building lab-" in shown
