"""What the screens look like, in both themes (SVGs in __snapshots__; `--snapshot-update` after a deliberate change).

Deterministic: recorded inventory, a clock that only the replayed build moves, no periodic refresh.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import Input

from nixswarm.tui.themes_files import DARK, LIGHT
from tests.tui.pilot import select, settle
from tests.tui.recorded import FAIL_HOSTS, Fakes, ReplayBuild

SnapCompare = Callable[..., bool]
SIZE = (150, 32)
THEMES = pytest.mark.parametrize("theme", [DARK, LIGHT])


@THEMES
def test_the_host_table_shows_approved_unknown_changed_and_unreachable_hosts(
    fakes: Fakes, snap_compare: SnapCompare, theme: str
) -> None:
    assert snap_compare(fakes.app(theme=theme), terminal_size=SIZE, run_before=settle)


@THEMES
def test_the_trust_dialog_of_a_changed_key_shows_both_fingerprints(
    fakes: Fakes, snap_compare: SnapCompare, theme: str
) -> None:
    async def open_trust(pilot: Pilot[Any]) -> None:
        await settle(pilot)
        await select(pilot, "charlie")
        await pilot.press("t")
        await settle(pilot)
        pilot.app.screen.query_one(Input).cursor_blink = False

    assert snap_compare(fakes.app(theme=theme), terminal_size=SIZE, run_before=open_trust)


def test_the_trust_dialog_of_a_new_key_offers_to_approve_it(fakes: Fakes, snap_compare: SnapCompare) -> None:
    async def open_trust(pilot: Pilot[Any]) -> None:
        await settle(pilot)
        await select(pilot, "bravo")
        await pilot.press("t")
        await settle(pilot)

    assert snap_compare(fakes.app(), terminal_size=SIZE, run_before=open_trust)


@THEMES
def test_the_build_screen_mid_build_shows_a_lane_per_host(fakes: Fakes, snap_compare: SnapCompare, theme: str) -> None:
    builder = fakes.builder = ReplayBuild(fakes.clock, pause_after=45)

    async def mid_build(pilot: Pilot[Any]) -> None:
        await settle(pilot)
        await pilot.press("b", *".#hello", "enter")
        await builder.paused.wait()
        await pilot.pause()

    assert snap_compare(fakes.app(theme=theme), terminal_size=SIZE, run_before=mid_build)


@THEMES
def test_the_build_screen_ends_with_the_per_host_summary(fakes: Fakes, snap_compare: SnapCompare, theme: str) -> None:
    fakes.builder = ReplayBuild(fakes.clock, log="nix28-remote-fail.log", machines=dict(FAIL_HOSTS), exit_code=1)

    async def finished(pilot: Pilot[Any]) -> None:
        await settle(pilot)
        await pilot.press("b", *".#broken", "enter")
        await settle(pilot)

    assert snap_compare(fakes.app(theme=theme), terminal_size=SIZE, run_before=finished)
