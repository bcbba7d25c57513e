"""The build screen: a lane per host, the selected derivation's log, the summary, and a confirmed cancel."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from rich.text import Text
from textual.pilot import Pilot
from textual.widgets import DataTable, Log, Static

from nixswarm.build.prepare import BuildRequest
from nixswarm.build.results import drv_name
from nixswarm.errors import NixswarmError
from nixswarm.files.selection import Skipped
from nixswarm.store.settings import Settings
from nixswarm.store.state import State
from nixswarm.tui import BuildListener, NixswarmApp
from nixswarm.tui.screens.build import BuildScreen
from nixswarm.tui.screens.confirm import ConfirmScreen
from nixswarm.tui.screens.hosts import HostsScreen
from tests.tui.pilot import notices, record_notices, settle
from tests.tui.recorded import FAIL_HOSTS, Fakes, ReplayBuild

N0 = "lab-7fc70a-l0-n0"
N1 = "lab-7fc70a-l0-n1"
LOG_CAPTURES = "../../unit/data"
"""The unit tests' captures of one two-host build per Nix version, as ReplayBuild finds them."""


async def start_build(pilot: Pilot[Any]) -> BuildScreen:
    await settle(pilot)
    await pilot.press("b", *".#x", "enter")
    await pilot.pause()
    screen = pilot.app.screen
    assert isinstance(screen, BuildScreen)
    return screen


async def paused_build(pilot: Pilot[Any], builder: ReplayBuild) -> BuildScreen:
    """A build started and paused where its ReplayBuild says."""
    screen = await start_build(pilot)
    await builder.paused.wait()
    await pilot.pause()
    return screen


def lane(screen: BuildScreen, host: str) -> list[str]:
    table: DataTable[Text] = screen.query_one("#lanes", DataTable)
    return [c.plain for c in table.get_row(host)]


def text_of(screen: BuildScreen, widget_id: str) -> str:
    content = screen.query_one(widget_id, Static).render()
    return content.plain if isinstance(content, Text) else str(content)


async def test_each_host_gets_a_lane_with_what_runs_there_and_for_how_long(fakes: Fakes) -> None:
    fakes.builder = ReplayBuild(fakes.clock, pause_after=45)
    app = fakes.app()
    async with app.run_test(size=(150, 40)) as pilot:
        screen = await paused_build(pilot, fakes.builder)
        assert lane(screen, "alpha") == ["alpha", f"{N0} 14.0 s", "0", "0", "14.0 s", ""]
        assert lane(screen, "charlie") == ["charlie", f"{N1} 7.0 s", "0", "0", "7.0 s", ""]
        assert lane(screen, "local")[1] == "idle"
        assert "building" in text_of(screen, "#build-title")
        assert "left out delta: not used (space uses it)" in text_of(screen, "#build-notes")
        fakes.builder.release.set()
        await settle(pilot)
        assert lane(screen, "alpha")[1:4] == ["idle", "2", "0"]


async def test_the_progress_line_counts_built_of_total_and_leaves_out_the_eta_once_the_build_ends(fakes: Fakes) -> None:
    fakes.builder = ReplayBuild(fakes.clock, pause_after=45)
    app = fakes.app()
    async with app.run_test(size=(150, 40)) as pilot:
        screen = await paused_build(pilot, fakes.builder)
        assert text_of(screen, "#build-progress").endswith(" 0/4 built · 2 running · 2 waiting · ETA unknown")
        fakes.builder.release.set()
        await settle(pilot)
        assert text_of(screen, "#build-progress") == "█" * 30 + " 4/4 built · 0 running · 0 waiting"


async def test_the_eta_takes_a_derivations_time_from_the_history_and_the_rest_from_this_builds_median(
    fakes: Fakes,
) -> None:
    fakes.builder = ReplayBuild(fakes.clock, pause_after=140)  # l0-n0 took 74 s, l0-n1 81 s; l1-n0, l1-n1 run
    asked: list[tuple[str, str]] = []

    def history(name: str, host: str) -> float | None:
        asked.append((name, host))
        return 90.0 if name == "lab-7fc70a-l1-n0" else None

    fakes.expected = history
    app = fakes.app()
    async with app.run_test(size=(150, 40)) as pilot:
        screen = await paused_build(pilot, fakes.builder)
        # l1-n0: 90 s less 19 s = 71 s; l1-n1: the median 77.5 s less 12 s; two slots: max(71, 136.5 / 2)
        assert text_of(screen, "#build-progress").endswith(" 2/4 built · 2 running · 0 waiting · ETA 1 min 11 s")
        assert ("lab-7fc70a-l1-n0", "alpha") in asked
        assert ("lab-7fc70a-l1-n1", "charlie") in asked
        fakes.builder.release.set()
        await settle(pilot)


async def test_the_summary_appears_when_the_build_is_over(fakes: Fakes) -> None:
    app = fakes.app()
    async with app.run_test(size=(150, 40)) as pilot:
        screen = await start_build(pilot)
        await settle(pilot)
        summary = text_of(screen, "#summary")
        assert summary.splitlines()[1].split() == ["host", "built", "failed", "build", "time"]
        assert [line.split()[:3] for line in summary.splitlines()[2:5]] == [
            ["local", "0", "0"],
            ["alpha", "2", "0"],
            ["charlie", "2", "0"],
        ]
        assert screen.query_one("#summary").has_class("shown")
        assert "done" in text_of(screen, "#build-title")
        await pilot.press("escape")
        assert isinstance(app.screen, HostsScreen)


async def test_a_warning_of_the_history_is_shown_first_in_the_summary(fakes: Fakes) -> None:
    warning = (
        "history: /home/anna/.local/state/nixswarm/history.sqlite could not be read (file is not a database);"
        " moved it to history.sqlite.corrupt-20261202T035648Z and started a new one"
    )
    fakes.builder = ReplayBuild(fakes.clock, history_warning=warning)
    app = fakes.app()
    async with app.run_test(size=(150, 40)) as pilot:
        screen = await start_build(pilot)
        await settle(pilot)
        lines = text_of(screen, "#summary").splitlines()
        assert lines[:2] == ["Summary", warning]
        assert lines[2].split() == ["host", "built", "failed", "build", "time"]
        assert "done" in text_of(screen, "#build-title")


async def test_the_log_pane_shows_the_selected_derivations_lines(fakes: Fakes) -> None:
    fakes.builder = ReplayBuild(fakes.clock, log="nix28-remote-fail.log", machines=dict(FAIL_HOSTS), exit_code=1)
    app = fakes.app()
    async with app.run_test(size=(150, 40)) as pilot:
        screen = await start_build(pilot)
        await settle(pilot)
        assert screen.selected is not None and screen.selected.endswith("-nxs-b2a8bf-broken.drv")
        log = screen.query_one("#drv-log", Log)
        assert list(log.lines) == ["building on b1-9e20e", "a line on stderr", "error: the widget is broken"]
        assert text_of(screen, "#log-title") == "log: nxs-b2a8bf-broken"
        assert lane(screen, "alpha")[3] == "1"  # one failed
        assert "failed: nix exited with 1" in text_of(screen, "#build-title")


@pytest.mark.parametrize("capture", ["nix28-remote-logs.log", "nix226-remote-logs.log", "nix234-remote-logs.log"])
async def test_the_log_pane_shows_each_builds_own_lines_on_every_nix(fakes: Fakes, capture: str) -> None:
    log = f"{LOG_CAPTURES}/{capture}"
    text = (Path(__file__).parent / "data" / log).read_text()
    machines = set(re.findall(r'"(ssh-ng://root@10\.77\.\d+\.1\d)"', text))
    fakes.builder = ReplayBuild(fakes.clock, log=log, machines={m: f"b{m[-1]}" for m in machines})
    app = fakes.app()
    async with app.run_test(size=(150, 40)) as pilot:
        screen = await start_build(pilot)
        await settle(pilot)
        assert [lane(screen, host)[2] for host in ("b1", "b2")] == ["2", "2"]
        shown: dict[str, list[str]] = {}
        for _ in range(4):
            assert screen.selected is not None
            shown[drv_name(screen.selected)] = list(screen.query_one("#drv-log", Log).lines)
            await pilot.press("down")
            await pilot.pause()
        assert len(shown) == 4
        for name, lines in shown.items():
            host = lane_of(screen, name)
            assert lines == [f"nxlog {name} on {host}-{lines[0].rsplit('-', 1)[-1]}", f"nxlog-stderr {name}"]


def lane_of(screen: BuildScreen, name: str) -> str:
    """The host the derivations table says built name."""
    table: DataTable[Text] = screen.query_one("#drvs", DataTable)
    row = next(key for key in table.rows if key.value is not None and key.value.endswith(f"-{name}.drv"))
    return str(table.get_row(row)[1].plain)


async def test_c_cancels_only_after_a_confirmation(fakes: Fakes) -> None:
    fakes.builder = ReplayBuild(fakes.clock, pause_after=45)
    app = fakes.app()
    async with app.run_test(size=(150, 40)) as pilot:
        screen = await paused_build(pilot, fakes.builder)
        await pilot.press("escape")  # still building: escape does not leave
        assert app.screen is screen
        await pilot.press("c")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("n")
        await pilot.pause()
        assert screen.running
        await pilot.press("c")
        await pilot.pause()
        await pilot.press("y")
        await settle(pilot)
        assert not screen.running
        assert "cancelled" in text_of(screen, "#build-title")
        assert lane(screen, "alpha")[1] == "idle"  # what ran is ended (stopped)
        assert not fakes.builder.release.is_set()


async def test_a_build_that_cannot_start_says_why(fakes: Fakes) -> None:
    async def refuse(settings: Settings, state: State, request: BuildRequest, listener: BuildListener) -> int:
        listener.planned({}, [Skipped("alpha", "no answer")], [])
        raise NixswarmError("remote-only build, but no builder can take it", title="No usable builder")

    services = fakes.services()
    from dataclasses import replace

    from nixswarm.scan.session import ScanOptions
    from nixswarm.tui import make_app

    app: NixswarmApp = make_app(
        services=replace(services, build=refuse), options=ScanOptions(mdns=False), refresh_interval=None
    )
    record_notices(app)
    async with app.run_test(size=(150, 40)) as pilot:
        screen = await start_build(pilot)
        await settle(pilot)
        assert "did not run: remote-only build, but no builder can take it" in text_of(screen, "#build-title")
        assert ("No usable builder", "remote-only build, but no builder can take it") in notices(app)


async def test_quitting_during_a_build_asks_then_stops_the_build_before_leaving(fakes: Fakes) -> None:
    fakes.builder = ReplayBuild(fakes.clock, pause_after=45)
    app = fakes.app()
    async with app.run_test(size=(150, 40)) as pilot:
        screen = await paused_build(pilot, fakes.builder)
        await pilot.press("ctrl+q")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("y")
        await settle(pilot)
        assert not screen.running
        assert screen.worker is not None and screen.worker.is_cancelled
        assert app.return_code == 0
