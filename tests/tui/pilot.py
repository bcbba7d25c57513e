"""Small moves of a Pilot, shared by the TUI tests."""

from __future__ import annotations

from typing import Any
from weakref import WeakKeyDictionary

from textual.app import App
from textual.notifications import SeverityLevel
from textual.pilot import Pilot

from nixswarm.tui import NixswarmApp
from nixswarm.tui.screens.hosts import HostsScreen
from nixswarm.tui.widgets.host_grid import HostGrid


async def settle(pilot: Pilot[Any]) -> None:
    """Every worker done and every message handled."""
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


async def run_command(pilot: Pilot[Any], command: str) -> None:
    """Open the command palette, type command, and run the first match."""
    await pilot.press("ctrl+p")
    await pilot.pause()
    await pilot.press(*command)
    await pilot.pause(0.3)  # the palette searches in a worker of its own
    await pilot.press("enter")
    await settle(pilot)


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


_SHOWN: WeakKeyDictionary[App[Any], list[tuple[str, str]]] = WeakKeyDictionary()


def record_notices(app: App[Any]) -> None:
    """Remember every notification the app is asked to show (screens and widgets call `app.notify` too)."""
    shown = _SHOWN.setdefault(app, [])
    notify = app.notify

    def recorded(
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = True,
    ) -> None:
        shown.append((title, message))
        notify(message, title=title, severity=severity, timeout=timeout, markup=markup)

    app.notify = recorded  # type: ignore[method-assign]


def notices(app: App[Any]) -> list[tuple[str, str]]:
    """(title, message) of the notifications shown, for an app `record_notices` watched."""
    return _SHOWN[app]
