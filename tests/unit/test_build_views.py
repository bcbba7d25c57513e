"""The plain view writes a line per start, end and failure; the terminal view redraws lanes in place."""

from __future__ import annotations

import io
import re
from pathlib import Path

from nixswarm.build.progress import Progress
from nixswarm.build.results import BuildBegan, BuildEnded, DrvResult, HostUnreachable, Status, Summary
from nixswarm.build.view_plain import PlainView, format_change, format_duration, format_summary
from nixswarm.build.view_tty import TtyView, render_lanes
from tests.unit.fake_clock import Clock

DATA = Path(__file__).parent / "data"
NAMES = {f"ssh-ng://root@10.77.186.1{n}": f"b{n}" for n in (1, 2, 3)}
DRV = "/nix/store/vrhb5j47m1msfshpzx8fchd9xhhfj2hp-foo.drv"
OUR_ESCAPES = re.compile(r"\x1b\[(?:\d+F|2K|J|\?25[lh])")


def result(status: Status, error: str = "", tail: tuple[str, ...] = ()) -> DrvResult:
    return DrvResult(DRV, "b1", "ssh-ng://b1", 3.24, status, error, tail)


def plain_replay(name: str) -> list[str]:
    progress = Progress(NAMES)
    out = io.StringIO()
    view = PlainView(out)
    for line in (DATA / name).read_text().splitlines():
        view.show(progress.feed_line(line))
    view.show(progress.finish())
    return out.getvalue().splitlines()


# ---- plain lines ------------------------------------------------------------------------------------


def test_a_start_an_end_and_a_failure_each_get_one_line() -> None:
    assert format_change(BuildBegan("b1", DRV)) == "[b1] building foo.drv"
    assert format_change(BuildEnded(result("built"))) == "[b1] built foo (3.2 s)"
    assert format_change(BuildEnded(result("stopped"))) == "[b1] stopped foo (3.2 s)"
    failed = BuildEnded(result("failed", "builder for 'foo' failed with exit code 1", ("boom",)))
    assert format_change(failed) == "[b1] FAILED foo: builder for 'foo' failed with exit code 1; last log line: boom"
    assert format_change(HostUnreachable("b2", "Connection refused")) == "[b2] cannot connect: Connection refused"


def test_a_remote_failure_prints_its_host_and_the_builders_words() -> None:
    lines = plain_replay("nix28-remote-fail.log")
    assert lines == [
        "[b1] building nxs-b2a8bf-broken.drv",
        "[b1] FAILED nxs-b2a8bf-broken: builder for 'nxs-b2a8bf-broken' failed with exit code 1; "
        "last log line: error: the widget is broken",
    ]


def test_a_local_build_prints_as_local() -> None:
    lines = plain_replay("nix28-local-ok.log")
    assert lines[0] == "[local] building nxs-caecb8-hello.drv"
    assert re.fullmatch(r"\[local\] built nxs-caecb8-hello \(\d+\.\d s\)", lines[1])


def test_a_refused_builder_prints_the_real_cause_before_nixs_blame() -> None:
    lines = plain_replay("nix28-remote-refused.log")
    cause = "[b2] cannot connect: ssh: connect to host 10.77.186.12 port 22: Connection refused"
    blame = next(i for i, line in enumerate(lines) if "unable to start any build" in line)
    assert lines.index(cause) < blame


def test_durations_read_naturally() -> None:
    assert [format_duration(s) for s in (0.04, 3.25, 59.9, 65, 3725)] == [
        "0.0 s",
        "3.2 s",
        "59.9 s",
        "1 min 05 s",
        "1 h 02 min",
    ]


def test_the_summary_table_has_every_host_with_local_and_their_errors() -> None:
    summary: Summary = {
        "hosts": {
            "local": {"built": 0, "failed": 1, "build_seconds": 0.4, "errors": ["foo: boom"]},
            "b1": {"built": 12, "failed": 0, "build_seconds": 95.0, "errors": []},
            "b2": {"built": 0, "failed": 0, "build_seconds": 0.0, "errors": ["ssh: Connection refused"]},
        },
        "derivations": [],
        "errors": ["unable to start any build"],
    }
    assert format_summary(summary).splitlines() == [
        "host   built  failed  build time",
        "local      0       1       0.4 s",
        "b1        12       0  1 min 35 s",
        "b2         0       0       0.0 s",
        "local: foo: boom",
        "b2: ssh: Connection refused",
        "nix: unable to start any build",
    ]


# ---- the terminal view ---------------------------------------------------------------------------------


def tty_replay(name: str, step: float, size: tuple[int, int] = (80, 24)) -> tuple[str, TtyView, Clock]:
    clock = Clock()
    progress = Progress(NAMES, clock=clock)
    out = io.StringIO()
    view = TtyView(progress, out, clock=clock, size=size)
    for line in (DATA / name).read_text().splitlines():
        clock.now += step
        view.show(progress.feed_line(line))
    view.show(progress.finish())
    view.close()
    return out.getvalue(), view, clock


def last_block(output: str) -> list[str]:
    """The lanes drawn last, as the screen shows them."""
    block = output.rsplit("\x1b[J", 2)[-2].split("\x1b[2K")[1:]
    return [lane.rstrip("\n") for lane in block]


def test_lanes_show_each_host_with_its_counts_and_local_first() -> None:
    output, _, _ = tty_replay("nix28-remote-two-hosts.log", step=0.05)
    header, *lanes = last_block(output)
    assert header.startswith("nix: 0 building, 4 built, 0 failed, ")
    assert [lane.split()[0] for lane in lanes] == ["local", "b1", "b2", "b3"]
    assert lanes[1].split()[1:] == ["2", "built", "0", "failed", "idle"]


def test_a_lane_shows_what_its_host_builds_now_with_its_phase_and_elapsed_time() -> None:
    progress = Progress(NAMES, clock=lambda: 1000.0)  # a whole clock: started + 75 - started is exactly 75
    progress.feed_line(
        '@nix {"action":"start","fields":["' + DRV + '","ssh-ng://root@10.77.186.11",1,1],"id":5,"type":105}'
    )
    progress.feed_line('@nix {"action":"result","fields":["buildPhase"],"id":5,"type":104}')
    started = progress.hosts()[1].running[0].started
    lanes = render_lanes(progress.hosts(), started + 75, 80.0, 100, 24)
    assert lanes[2] == "b1       0 built  0 failed  building foo [buildPhase] 1 min 15 s"


def test_an_unreachable_host_shows_its_first_cause_in_its_lane() -> None:
    output, _, _ = tty_replay("nix28-remote-refused.log", step=0.05, size=(120, 24))
    lanes = last_block(output)
    cause = "ssh: connect to host 10.77.186.12 port 22: Connection refused"
    assert lanes[3] == f"b2       0 built  0 failed  unreachable: {cause}"


def test_redraws_are_throttled_to_ten_a_second() -> None:
    fast, _, clock = tty_replay("nix28-remote-two-hosts.log", step=0.001)  # 219 lines in 0.22 s
    assert fast.count("nix: ") <= round(clock.now / 0.1) + 2
    slow, _, _ = tty_replay("nix28-remote-two-hosts.log", step=0.2)
    assert slow.count("nix: ") > 200


def test_failures_scroll_above_the_lanes_and_stay() -> None:
    output, _, _ = tty_replay("nix28-remote-fail.log", step=0.05)
    failure = "[b1] FAILED nxs-b2a8bf-broken: builder for 'nxs-b2a8bf-broken' failed with exit code 1"
    assert failure in output
    assert output.index(failure) < output.rindex("\x1b[2Knix: ")
    assert not any(line.startswith(failure) for line in last_block(output))


def test_closing_leaves_the_final_lanes_and_gives_the_cursor_back() -> None:
    output, view, _ = tty_replay("nix28-local-ok.log", step=0.05)
    assert output.startswith("\x1b[?25l")
    assert output.endswith("\x1b[J\x1b[?25h")
    assert last_block(output)[1].split()[:5] == ["local", "1", "built", "0", "failed"]
    stream = io.StringIO()
    view._stream = stream  # closing again writes nothing
    view.close()
    view.refresh(force=True)
    assert stream.getvalue() == ""


def test_no_drawn_line_is_wider_than_the_terminal() -> None:
    output, _, _ = tty_replay("nix28-remote-refused.log", step=0.05, size=(40, 24))
    for lane in last_block(output):
        assert len(lane) <= 39


def test_more_hosts_than_lines_are_cut_with_a_count() -> None:
    progress = Progress({f"ssh://h{n}": f"h{n}" for n in range(30)})
    lanes = render_lanes(progress.hosts(), 0.0, 0.0, 80, 10)
    assert len(lanes) == 10
    assert lanes[-1] == "... 23 more hosts"


def test_hostile_machine_names_and_log_lines_put_no_escape_on_the_terminal() -> None:
    clock = Clock()
    progress = Progress(clock=clock)
    out = io.StringIO()
    view = TtyView(progress, out, clock=clock, size=(200, 24))
    evil = "\\u001b]0;owned\\u0007\\u001b[2J\\u009b31m"
    for line in [
        '@nix {"action":"start","fields":["' + DRV + '","ssh://' + evil + 'b9",1,1],"id":5,"type":105}',
        '@nix {"action":"result","fields":["' + evil + '"],"id":5,"type":101}',
        '@nix {"action":"msg","level":0,"msg":"' + evil + 'bad"}',
        "plain " + evil.encode().decode("unicode_escape"),
    ]:
        clock.now += 1
        view.show(progress.feed_line(line))
    view.close()
    assert "\x1b" not in OUR_ESCAPES.sub("", out.getvalue())
    assert "\x9b" not in out.getvalue()
    assert "ssh://b9" in out.getvalue()


def test_with_print_build_logs_a_remote_build_s_lines_are_prefixed_with_its_host_and_name() -> None:
    from nixswarm.build.log_flags import LogWish
    from nixswarm.build.watch import Watch

    out = io.StringIO()
    watch = Watch(NAMES, interactive=False, wish=LogWish(print_logs=True), stream=out)
    for line in (DATA / "nix28-remote-ok.log").read_text().splitlines():
        watch.feed(line)
    logged = [line for line in out.getvalue().splitlines() if "> " in line]
    assert logged == ["[b1] nxs-ff03d6-hello> building on b1-9e20e", "[b1] nxs-ff03d6-hello> a line on stderr"]
    quiet = io.StringIO()
    watch = Watch(NAMES, interactive=False, wish=LogWish(), stream=quiet)
    for line in (DATA / "nix28-remote-ok.log").read_text().splitlines():
        watch.feed(line)
    assert "a line on stderr" not in quiet.getvalue()
