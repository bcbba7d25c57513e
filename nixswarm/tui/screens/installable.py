"""Ask what to build: an installable and any nix build options, split like a shell would."""

from __future__ import annotations

import shlex
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label


def split_args(text: str) -> list[str]:
    """The words of text, quotes honoured; ValueError for unbalanced quotes."""
    return shlex.split(text)


class InstallableScreen(ModalScreen[list[str] | None]):
    """Dismissed with the nix build arguments, or None."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "dismiss(None)", "Cancel")]

    def __init__(self, last: str = "") -> None:
        super().__init__(classes="dialog")
        self.last = last

    def compose(self) -> ComposeResult:
        with Vertical(classes="box"):
            yield Label("Build what?", classes="title")
            yield Label("an installable and nix build options, e.g.  .#hello -L   or   -f graph.nix --argstr salt x")
            yield Input(self.last, placeholder=".#hello", id="installable")
            yield Label("", id="problem", markup=False)
            yield Label("enter to build across the chosen hosts, escape to cancel", classes="hint")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        try:
            args = split_args(event.value)
        except ValueError as err:
            self.query_one("#problem", Label).update(f"cannot split that: {err}")
            return
        if not args:
            self.query_one("#problem", Label).update("name something to build")
            return
        self.dismiss(args)
