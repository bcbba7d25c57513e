"""Edit a host's max jobs and speed factor; the values are checked by Choice before anything is saved."""

from __future__ import annotations

from dataclasses import replace
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label

from nixswarm.errors import ValidationError
from nixswarm.model.choice import Choice


def parse_choice(base: Choice, max_jobs: str, speed_factor: str) -> Choice:
    """base with the typed values; ValidationError naming the field that is wrong."""
    try:
        jobs = int(max_jobs.strip())
    except ValueError:
        raise ValidationError("max jobs", max_jobs, "must be a whole number") from None
    try:
        speed = float(speed_factor.strip())
    except ValueError:
        raise ValidationError("speed factor", speed_factor, "must be a number") from None
    return replace(base, max_jobs=jobs, speed_factor=speed)


class EditScreen(ModalScreen[Choice | None]):
    """Dismissed with the new choice, or None when cancelled."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "dismiss(None)", "Cancel")]

    def __init__(self, name: str, choice: Choice) -> None:
        super().__init__(classes="dialog")
        self.host_name = name
        self.choice = choice

    def compose(self) -> ComposeResult:
        with Vertical(classes="box"):
            yield Label(f"Edit {self.host_name}", classes="title", markup=False)
            yield Label("max jobs (build slots Nix may use on it, 1-1024)")
            yield Input(str(self.choice.max_jobs), id="max-jobs")
            yield Label("speed factor (relative speed, above 0; whole numbers before Nix 2.20)")
            yield Input(f"{self.choice.speed_factor:g}", id="speed-factor")
            yield Label("", id="problem", markup=False)
            with Horizontal(classes="buttons"):
                yield Button("Save (enter)", variant="primary", id="save")
                yield Button("Cancel (esc)", id="cancel")

    def on_input_submitted(self) -> None:
        self._save()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "save":
            self._save()
        else:
            self.dismiss(None)

    def _save(self) -> None:
        jobs = self.query_one("#max-jobs", Input).value
        speed = self.query_one("#speed-factor", Input).value
        try:
            choice = parse_choice(self.choice, jobs, speed)
        except ValidationError as err:
            self.query_one("#problem", Label).update(err.message)
            return
        self.dismiss(choice)
