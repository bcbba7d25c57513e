"""The build's progress on one line: a bar, built/total, what runs and waits, the ETA."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from nixswarm.build.eta import Outlook
from nixswarm.build.progress_text import EMPTY, FULL, bar_cells, format_eta
from nixswarm.tui.palette import Palette

BAR = 30
"""Cells of the bar."""


def progress_text(outlook: Outlook, palette: Palette, *, ended: bool = False) -> Text:
    """`███░░░ 12/40 built · 3 running · 25 waiting · ETA 1 min 10 s`; failures when some failed, no ETA once the
    build has ended or nothing runs or waits."""
    counts = outlook.counts
    full = bar_cells(outlook.fraction, BAR)
    text = Text()
    text.append(FULL * full, style=palette.error if counts.failed else palette.ok)
    text.append(EMPTY * (BAR - full), style=palette.muted)
    text.append(f" {counts.done}/{counts.total} built", style="bold")
    if counts.failed:
        text.append(f" · {counts.failed} failed", style=palette.error)
    text.append(f" · {counts.running} running · {counts.waiting} waiting")
    if not ended and not outlook.over:
        text.append(f" · {format_eta(outlook.eta)}", style=palette.accent if outlook.eta is not None else palette.muted)
    return text


class BuildProgress(Static):
    """Shows an Outlook; the build screen updates it as the build moves."""

    DEFAULT_CSS = """
    BuildProgress {
        height: 1;
        padding: 0 1;
        background: $surface;
    }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(markup=False, id=id)

    def show(self, outlook: Outlook, palette: Palette, *, ended: bool = False) -> None:
        """Draw outlook (without its ETA once the build has ended)."""
        self.update(progress_text(outlook, palette, ended=ended))
