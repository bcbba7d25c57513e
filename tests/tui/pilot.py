"""Small moves of a Pilot, shared by the TUI tests."""

from __future__ import annotations

from typing import Any

from textual.pilot import Pilot

from nixswarm.tui import NixswarmApp
from nixswarm.tui.screens.hosts import HostsScreen
from nixswarm.tui.widgets.host_grid import HostGrid


async def settle(pilot: Pilot[Any]) -> None:
    """Every worker done and every message handled."""
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


def hosts_screen(app: NixswarmApp) -> HostsScreen:
    return next(s for s in app.screen_stack if isinstance(s, HostsScreen))


def table(app: NixswarmApp) -> HostGrid:
    return hosts_screen(app).query_one(HostGrid)


def rows(app: NixswarmApp) -> list[str]:
    """Row keys, top to bottom."""
    return list(table(app).keys)


def cell(app: NixswarmApp, key: str, column: str) -> str:
    return table(app).cell(key, column).plain


async def select(pilot: Pilot[Any], key: str) -> None:
    """Move the cursor to a host's row with the arrow keys, as a user would."""
    app = pilot.app
    assert isinstance(app, NixswarmApp)
    t = table(app)
    t.focus()
    wanted = t.index(key)
    while t.cursor_row != wanted:
        await pilot.press("down" if t.cursor_row < wanted else "up")


def notices(app: NixswarmApp) -> list[tuple[str, str]]:
    """(title, message) of the notifications shown."""
    return [(n.title, n.message) for n in app._notifications]
