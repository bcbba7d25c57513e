"""The trust dialog: the presented SHA256 fingerprint, the advertised one, and what changed if it changed."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Static

from nixswarm.model.trust import Consent, KeyCheck, TrustState


def explain(check: KeyCheck) -> Text:
    """The fingerprints, and what they mean."""
    key = check.presented
    text = Text()
    text.append(f"{check.name} ({check.where}) presents a {key.algorithm} key:\n\n")
    text.append(f"  {key.fingerprint}\n\n", style="bold")
    if check.advertised is None:
        text.append("It advertised no fingerprint.\n")
    elif check.advert_differs:
        text.append(f"It ADVERTISED A DIFFERENT KEY: {check.advertised}\n", style="bold")
    else:
        text.append("It advertised the same fingerprint.\n")
    if check.state is TrustState.APPROVED:
        text.append("\nThis key is already approved.")
    elif check.state is TrustState.UNKNOWN:
        text.append("\nCompare it with `ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub` on the host.")
    else:
        assert check.approved is not None
        text.append("\nHOST KEY CHANGED. You approved\n\n", style="bold")
        text.append(f"  {check.approved.fingerprint}\n\n", style="bold")
        text.append(
            "This can be a reinstall or an attack; nixswarm will not use the host until you decide. "
            f"If you know why it changed, type the host name ({check.name}) to forget the old key and "
            "approve this one."
        )
    return text


class TrustScreen(ModalScreen[bool]):
    """Dismissed with True when the user approved the presented key."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "dismiss(False)", "Cancel"),
        Binding("y", "approve", "Approve", show=False),
    ]

    def __init__(self, check: KeyCheck) -> None:
        super().__init__(classes="dialog")
        self.check = check

    def compose(self) -> ComposeResult:
        state = self.check.state
        with Vertical(classes="box wide", id="trust"):
            yield Label(f"Trust {self.check.name}?", classes=f"title {state.value}", markup=False)
            yield Static(explain(self.check), id="explain")
            if state is TrustState.CHANGED:
                yield Input(placeholder=f"type {self.check.name} to replace the approved key", id="confirm")
            with Horizontal(classes="buttons"):
                if state is TrustState.UNKNOWN:
                    yield Button("Approve (y)", variant="success", id="approve")
                elif state is TrustState.CHANGED:
                    yield Button("Replace the approved key", variant="error", id="approve", disabled=True)
                yield Button("Close" if state is TrustState.APPROVED else "Cancel (esc)", id="cancel")

    def _consent(self, typed: str | None = None) -> Consent | None:
        """A changed key: the typed host name replaces it; a new key: this approval is the plain yes."""
        if self.check.state is not TrustState.CHANGED:
            return Consent.APPROVE
        if typed is None:
            typed = self.query_one("#confirm", Input).value
        return Consent.REPLACE if self.check.confirms(typed) else None

    def on_input_changed(self, event: Input.Changed) -> None:
        self.query_one("#approve", Button).disabled = not self.check.approves(self._consent(event.value))

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if self.check.approves(self._consent(event.value)):
            self.dismiss(True)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "approve":
            self.action_approve()
        else:
            self.dismiss(False)

    def action_approve(self) -> None:
        """One key press approves a new key; a changed one needs the typed name."""
        if self.check.approves(self._consent()):
            self.dismiss(True)
