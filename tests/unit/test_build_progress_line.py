"""Without a terminal a progress line comes at most every 5 s; on one, the lanes' header carries the bar and ETA."""

from __future__ import annotations

import io
import itertools
import json
from pathlib import Path

from nixswarm.build.eta import Forecast
from nixswarm.build.log_flags import LogWish
from nixswarm.build.progress import Progress
from nixswarm.build.view_plain import PlainView
from nixswarm.build.view_tty import TtyView
from nixswarm.build.watch import Watch
from tests.unit.fake_clock import Clock

DATA = Path(__file__).parent / "data"
DRV_A = "/nix/store/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa-a.drv"
DRV_B = "/nix/store/bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb-b.drv"


def nix(**event: object) -> str:
    return "@nix " + json.dumps(event)


def two_in_a_row(
    progress: Progress, clock: Clock, view: PlainView | TtyView, out: io.StringIO
) -> list[tuple[float, str]]:
    """a (10 s), then b (known: 30 s), ticked every quarter second for 30 s; what the view wrote to out, and when."""
    script = {
        1.0: [
            nix(action="start", id=1, type=104, text="", level=0),
            nix(action="result", id=1, type=105, fields=[0, 2, 0, 0]),
            nix(action="start", id=2, type=105, fields=[DRV_A, "", 1, 1]),
            nix(action="result", id=1, type=105, fields=[0, 2, 1, 0]),
        ],
        11.0: [
            nix(action="result", id=1, type=105, fields=[1, 2, 0, 0]),
            nix(action="stop", id=2),
            nix(action="start", id=3, type=105, fields=[DRV_B, "", 1, 1]),
            nix(action="result", id=1, type=105, fields=[1, 2, 1, 0]),
        ],
    }
    written: list[tuple[float, str]] = []
    for quarter in range(1, 121):
        clock.now = quarter / 4
        for line in script.get(clock.now, []):
            progress.feed_line(line)
        if isinstance(view, PlainView):
            view.tick()
        else:
            view.refresh()
        written += [(clock.now, line) for line in out.getvalue().splitlines()]
        out.seek(0)
        out.truncate()
    return written


def test_a_progress_line_comes_at_most_every_five_seconds_and_only_when_it_says_something_new() -> None:
    clock = Clock()
    progress = Progress({}, clock)
    forecast = Forecast(progress, lambda name, host: 30.0 if name == "b" else None)
    out = io.StringIO()
    lines = two_in_a_row(progress, clock, PlainView(out, forecast, clock=clock), out)
    assert lines == [
        (5.0, "progress: 0/2 built, 1 running, 1 waiting, ETA unknown"),
        (11.0, "progress: 1/2 built, 1 running, 0 waiting, ETA 30 s"),
        (16.0, "progress: 1/2 built, 1 running, 0 waiting, ETA 25 s"),
        (21.0, "progress: 1/2 built, 1 running, 0 waiting, ETA 20 s"),
        (26.0, "progress: 1/2 built, 1 running, 0 waiting, ETA 15 s"),
    ]


def test_a_plain_view_without_a_forecast_writes_no_progress_line() -> None:
    clock = Clock()
    out = io.StringIO()
    assert two_in_a_row(Progress({}, clock), clock, PlainView(out, clock=clock), out) == []


def test_the_lanes_header_shows_the_bar_built_of_total_what_waits_and_the_eta() -> None:
    clock = Clock()
    progress = Progress({}, clock)
    forecast = Forecast(progress, lambda name, host: 30.0 if name == "b" else None)
    out = io.StringIO()
    view = TtyView(progress, out, clock=clock, size=(120, 10), forecast=forecast)
    headers = [line.split("\x1b[2K")[-1] for _, line in two_in_a_row(progress, clock, view, out) if "nix: " in line]
    assert "nix: ░░░░░░░░░░░░░░░░░░░░ 0/2 built, 1 running, 1 waiting, ETA unknown, 1.0 s elapsed" in headers
    assert "nix: ██████████░░░░░░░░░░ 1/2 built, 1 running, 0 waiting, ETA 30 s, 11.0 s elapsed" in headers


def test_a_build_without_a_terminal_prints_progress_lines_between_its_own() -> None:
    clock = Clock()
    out = io.StringIO()
    watch = Watch({}, interactive=False, wish=LogWish(), stream=out, clock=clock)
    progress: list[float] = []
    for line in (DATA / "nix28-local-chain.log").read_text().splitlines():
        for _ in range(4):  # four ticks a second, one line a second
            clock.now += 0.25
            before = out.getvalue().count("progress: ")
            watch.tick()
            progress += [clock.now] * (out.getvalue().count("progress: ") - before)
        watch.feed(line)
    watch.finish()
    lines = out.getvalue().splitlines()
    assert all(later - earlier >= 5.0 for earlier, later in itertools.pairwise(progress))
    assert lines.index("progress: 1/2 built, 1 running, 0 waiting, ETA 7 s") > lines.index(
        "[local] building lab-d14e3f-l1-n0.drv"
    )  # the second took the first's 9 s: 7 s are left after 2
    assert [line for line in lines if line.startswith("progress: 2/2")] == ["progress: 2/2 built, 0 running, 0 waiting"]


def test_nixs_own_lines_get_no_progress_line() -> None:
    clock = Clock()
    out = io.StringIO()
    watch = Watch({}, interactive=False, wish=LogWish(style="json"), stream=out, clock=clock)
    for line in (DATA / "nix28-local-chain.log").read_text().splitlines():
        clock.now += 3
        watch.tick()
        watch.feed(line)
    assert "progress: " not in out.getvalue()
