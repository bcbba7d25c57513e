"""Ask what to build: installables, nix build options and the build's own options, split like a shell would."""

from __future__ import annotations

import shlex
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label

from nixswarm.build.argv import BuildUsageError
from nixswarm.build.prepare import BuildRequest
from nixswarm.build.request_args import PROMPT_OPTIONS, request_of_words

EXAMPLES = ".#hello -L   ·   -f graph.nix --argstr salt x   ·   .#hello --exclude b3 --json-summary out.json"


class InstallableScreen(ModalScreen[BuildRequest | None]):
    """Dismissed with the build request, or None."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "dismiss(None)", "Cancel")]

    def __init__(self, last: str = "", default_weight: str | None = None, check_timeout: float | None = None) -> None:
        """last: what was typed the time before; default_weight: the saved local weight, unless one is typed;
        check_timeout: the app's --timeout, for the build's check of each host."""
        super().__init__(classes="dialog")
        self.last = last
        self.default_weight = default_weight
        self.check_timeout = check_timeout
        self.typed = last
        """What was typed, when it made a request."""

    def compose(self) -> ComposeResult:
        with Vertical(classes="box wide"):
            yield Label("Build what?", classes="title")
            yield Label(f"installables and nix build options, e.g.  {EXAMPLES}", markup=False)
            yield Label(f"this build only: {' '.join(PROMPT_OPTIONS)}", classes="caption", markup=False)
            yield Input(self.last, placeholder=".#hello", id="installable")
            yield Label("", id="problem", markup=False)
            yield Label("enter to build across the chosen hosts, escape to cancel", classes="hint")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        problem = self.query_one("#problem", Label)
        try:
            words = shlex.split(event.value)
        except ValueError as err:
            problem.update(f"cannot split that: {err}")
            return
        try:
            request = request_of_words(words, self.default_weight, self.check_timeout)
        except BuildUsageError as err:
            problem.update(err.message)
            return
        self.typed = event.value
        self.dismiss(request)
