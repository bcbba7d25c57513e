"""The one place where a worker's failure becomes a notice the user sees."""

from __future__ import annotations

from typing import Any

from textual.app import App
from textual.screen import Screen
from textual.worker import Worker, WorkerState

from nixswarm.errors import NixswarmError

NOTICE_SECONDS = 12


def show_failure(app: App[Any], error: BaseException) -> None:
    """A NixswarmError with its own title and message; anything else as an unexpected error."""
    if isinstance(error, NixswarmError):
        title, message = error.title, error.message
    else:
        title, message = "Unexpected error", f"{type(error).__name__}: {error}"
    app.notify(message, title=title, severity="error", timeout=NOTICE_SECONDS, markup=False)


class JobScreen(Screen[None]):
    """A screen that runs jobs in workers (exclusive, exit_on_error=False); their failures become notices."""

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """The handler: every failed worker of every screen ends up here."""
        if event.state is WorkerState.ERROR and event.worker.error is not None:
            show_failure(self.app, event.worker.error)
