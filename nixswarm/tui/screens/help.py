"""Every key of the host screen, and where the rest is."""

from __future__ import annotations

from typing import ClassVar

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Label, Static

from nixswarm.tui.actions import ACTIONS


def keys_table() -> Table:
    """Key and what it does."""
    table = Table.grid(padding=(0, 2))
    table.add_column(style="bold", no_wrap=True)
    table.add_column()
    for action in ACTIONS:
        if action.key is not None:
            table.add_row(Text(action.shown), Text(action.help))
    table.add_row(Text("ctrl+p"), Text("Command palette: every action above, themes, and more"))
    table.add_row(Text("escape"), Text("Clear the filter; close a dialog"))
    return table


class HelpScreen(ModalScreen[None]):
    """Closed with escape, ? or q."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape,question_mark,q", "dismiss", "Close")]

    def __init__(self) -> None:
        super().__init__(classes="dialog")

    def compose(self) -> ComposeResult:
        with Vertical(classes="box wide"):
            yield Label("nixswarm keys", classes="title")
            yield Static(keys_table())
            yield Label(
                "In the build screen: c cancels the build (after a confirmation), escape goes back when it is over.",
                classes="hint",
            )
