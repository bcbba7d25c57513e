"""What the screens look like, in both themes (SVGs in __snapshots__; `--snapshot-update` after a deliberate change).

Deterministic: recorded inventory, a clock that only the replayed build moves, no periodic refresh, no blinking
cursor, and a home at the same path every run (the write dialog shows paths).
"""

from __future__ import annotations

import fcntl
import shutil
import tempfile
from collections.abc import Awaitable, Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import Input

from nixswarm.tui.themes_files import DARK, LIGHT
from tests.tui.pilot import select, settle
from tests.tui.recorded import FAIL_HOSTS, Fakes, ReplayBuild

SnapCompare = Callable[..., bool]
RunBefore = Callable[[Pilot[Any]], Awaitable[None]]
SIZE = (150, 32)
THEMES = pytest.mark.parametrize("theme", [DARK, LIGHT])
HOME = Path(tempfile.gettempdir()) / "nixswarm-snapshot-home"


@pytest.fixture(autouse=True)
def isolated_home(monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """The tests' temporary home, but at one fixed path; one test at a time holds it (a lock beside it)."""
    with HOME.with_suffix(".lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        shutil.rmtree(HOME, ignore_errors=True)
        HOME.mkdir()
        monkeypatch.setenv("HOME", str(HOME))
        monkeypatch.setenv("XDG_CONFIG_HOME", str(HOME / ".config"))
        monkeypatch.setenv("XDG_STATE_HOME", str(HOME / ".local" / "state"))
        runtime = Path(tempfile.mkdtemp(prefix="nxs-run-", dir="/tmp"))
        monkeypatch.setenv("XDG_RUNTIME_DIR", str(runtime))
        yield HOME
        shutil.rmtree(runtime, ignore_errors=True)
        shutil.rmtree(HOME, ignore_errors=True)


def opened(*keys: str, host: str | None = None, then: Sequence[str] = ()) -> RunBefore:
    """A run_before: the first scan done, the cursor on host, the keys pressed, then the keys `then`; no cursor
    blinks (a blink would differ between runs)."""

    async def run(pilot: Pilot[Any]) -> None:
        await settle(pilot)
        if host is not None:
            await select(pilot, host)
        for step in (keys, then):
            await pilot.press(*step)
            await settle(pilot)
        for field in pilot.app.screen.query(Input):
            field.cursor_blink = False

    return run


@THEMES
def test_the_host_table_shows_approved_unknown_changed_and_unreachable_hosts(
    fakes: Fakes, snap_compare: SnapCompare, theme: str
) -> None:
    assert snap_compare(fakes.app(theme=theme), terminal_size=SIZE, run_before=settle)


@THEMES
def test_the_trust_dialog_of_a_changed_key_shows_both_fingerprints(
    fakes: Fakes, snap_compare: SnapCompare, theme: str
) -> None:
    assert snap_compare(fakes.app(theme=theme), terminal_size=SIZE, run_before=opened("t", host="charlie"))


def test_the_trust_dialog_of_a_new_key_offers_to_approve_it(fakes: Fakes, snap_compare: SnapCompare) -> None:
    assert snap_compare(fakes.app(), terminal_size=SIZE, run_before=opened("t", host="bravo"))


def paused_build(builder: ReplayBuild) -> RunBefore:
    """A run_before: the first scan done, a build of .#hello started, and paused where builder says."""

    async def run(pilot: Pilot[Any]) -> None:
        await settle(pilot)
        await pilot.press("b", *".#hello", "enter")
        await builder.paused.wait()
        await pilot.pause()

    return run


@THEMES
def test_the_build_screen_mid_build_shows_a_lane_per_host(fakes: Fakes, snap_compare: SnapCompare, theme: str) -> None:
    builder = fakes.builder = ReplayBuild(fakes.clock, pause_after=45)
    assert snap_compare(fakes.app(theme=theme), terminal_size=SIZE, run_before=paused_build(builder))


@THEMES
def test_the_build_screen_shows_built_of_total_what_waits_and_the_eta(
    fakes: Fakes, snap_compare: SnapCompare, theme: str
) -> None:
    builder = fakes.builder = ReplayBuild(fakes.clock, pause_after=140)  # two built, the last two running
    fakes.expected = lambda name, host: 90.0 if (name, host) == ("lab-7fc70a-l1-n0", "alpha") else None
    assert snap_compare(fakes.app(theme=theme), terminal_size=SIZE, run_before=paused_build(builder))


@THEMES
def test_the_build_screen_ends_with_the_per_host_summary(fakes: Fakes, snap_compare: SnapCompare, theme: str) -> None:
    fakes.builder = ReplayBuild(fakes.clock, log="nix28-remote-fail.log", machines=dict(FAIL_HOSTS), exit_code=1)

    async def finished(pilot: Pilot[Any]) -> None:
        await settle(pilot)
        await pilot.press("b", *".#broken", "enter")
        await settle(pilot)

    assert snap_compare(fakes.app(theme=theme), terminal_size=SIZE, run_before=finished)


def test_the_help_screen_lists_every_key(fakes: Fakes, snap_compare: SnapCompare) -> None:
    assert snap_compare(fakes.app(), terminal_size=SIZE, run_before=opened("question_mark"))


@THEMES
def test_the_details_of_a_host_show_its_facts_load_and_machines_line(
    fakes: Fakes, snap_compare: SnapCompare, theme: str
) -> None:
    assert snap_compare(fakes.app(theme=theme), terminal_size=SIZE, run_before=opened("enter", host="alpha"))


def test_the_details_of_an_unreachable_host_show_the_whole_error(fakes: Fakes, snap_compare: SnapCompare) -> None:
    assert snap_compare(fakes.app(), terminal_size=SIZE, run_before=opened("enter", host="delta"))


def test_the_edit_dialog_refuses_an_invalid_value_in_place(fakes: Fakes, snap_compare: SnapCompare) -> None:
    refused = opened("e", host="alpha", then=["backspace", "0", "enter"])
    assert snap_compare(fakes.app(), terminal_size=SIZE, run_before=refused)


@THEMES
def test_the_write_dialog_shows_the_paths_and_a_diff_of_each_file(
    fakes: Fakes, snap_compare: SnapCompare, theme: str
) -> None:
    assert snap_compare(fakes.app(theme=theme), terminal_size=SIZE, run_before=opened("w"))


def test_the_build_prompt_shows_what_it_takes(fakes: Fakes, snap_compare: SnapCompare) -> None:
    typed = opened("b", then=[*".#hello -L --exclude bravo"])
    assert snap_compare(fakes.app(), terminal_size=SIZE, run_before=typed)


def test_the_build_prompt_refuses_an_option_of_the_nixswarm_command(fakes: Fakes, snap_compare: SnapCompare) -> None:
    refused = opened("b", then=[*".#hello --user root", "enter"])
    assert snap_compare(fakes.app(), terminal_size=SIZE, run_before=refused)
