"""Everything about one host: each probe fact, its error, its load history and its exact machines line."""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Label, Sparkline, Static

from nixswarm.tui.facts import Facts
from nixswarm.tui.machines_line import MachinesLine


def facts_table(facts: Facts) -> Table:
    """Label and value, one per line; values are plain text (they come from the network)."""
    table = Table.grid(padding=(0, 2))
    table.add_column(style="bold", no_wrap=True)
    table.add_column(overflow="fold")
    for label, value in facts:
        table.add_row(Text(label), Text(value, style="bold red" if label == "error" else ""))
    return table


class DetailsScreen(ModalScreen[None]):
    """Closed with escape, enter or q."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape,enter,q", "dismiss", "Close")]

    def __init__(self, title: str, facts: Facts, loads: Sequence[float], line: MachinesLine | None) -> None:
        super().__init__(classes="dialog")
        self.heading = title
        self.facts = facts
        self.loads = list(loads)
        self.line = line

    def compose(self) -> ComposeResult:
        with Vertical(classes="box wide", id="details"):
            yield Label(self.heading, classes="title", markup=False)
            if self.line is not None:
                yield Label(f"machines line: {self.line.note}", classes="caption", markup=False)
                yield Static(Text(self.line.line or "(none)"), id="machines-line")
            yield Label(f"load, last {len(self.loads)} readings", classes="caption")
            yield Sparkline(self.loads or [0.0], id="load-history")
            with VerticalScroll(id="facts"):
                yield Static(facts_table(self.facts))
            yield Label("escape to close", classes="hint")
