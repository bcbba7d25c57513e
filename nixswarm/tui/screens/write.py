"""Before `w` writes anything: the paths, a diff of each file against what is there, and a confirmation."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Label, Static

from nixswarm.tui.jobs.write_job import WritePlan
from nixswarm.tui.palette import Palette


def describe(plan: WritePlan, palette: Palette) -> Text:
    """Paths, builders, hosts left out, the Include line, then every diff."""
    text = Text()
    names = ", ".join(plan.builders) or "none"
    text.append(f"builders: {names}\n")
    for skipped in plan.skipped:
        text.append(f"left out {skipped.name}: {skipped.reason}\n", style=palette.warn)
    if plan.include is not None:
        text.append(f"~/.ssh/config gets one line at its top: {plan.include}\n")
    for change in plan.changes:
        state = "new file" if change.new else "unchanged" if not change.diff else "changed"
        text.append(f"\n{change.path}  ({state})\n", style="bold")
        for line in change.diff[2:]:
            style = palette.ok if line.startswith("+") else palette.error if line.startswith("-") else ""
            style = palette.muted if line.startswith("@@") else style
            text.append(f"{line}\n", style=style)
    return text


class WriteScreen(ModalScreen[bool]):
    """Dismissed with True to write."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y", "dismiss(True)", "Write"),
        Binding("n,escape", "dismiss(False)", "Cancel"),
    ]

    def __init__(self, plan: WritePlan, palette: Palette) -> None:
        super().__init__(classes="dialog")
        self.plan = plan
        self.palette = palette

    def compose(self) -> ComposeResult:
        changed = sum(1 for c in self.plan.changes if c.diff)
        with Vertical(classes="box wide", id="write"):
            yield Label(f"Write {changed} file(s)?", classes="title")
            with VerticalScroll(id="diff"):
                yield Static(describe(self.plan, self.palette))
            with Horizontal(classes="buttons"):
                yield Button("Write (y)", variant="primary", id="yes")
                yield Button("Cancel (n)", id="no")

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "yes")
