"""The build's progress in words: durations, `12/40 built, 3 running, 25 waiting, ETA 1 min 10 s`, a bar."""

from __future__ import annotations

import math

from nixswarm.build.eta import Outlook

__all__ = ["EMPTY", "FULL", "bar_cells", "format_bar", "format_duration", "format_eta", "format_progress"]

FULL = "█"
"""A cell of the bar for work that has ended."""
EMPTY = "░"
"""A cell of the bar for work still to do."""


def format_duration(seconds: float) -> str:
    """`0.4 s`, `12.0 s`, `3 min 05 s`, `1 h 02 min`."""
    if seconds < 60:
        return f"{max(seconds, 0.0):.1f} s"
    whole = int(seconds)
    if whole < 3600:
        return f"{whole // 60} min {whole % 60:02d} s"
    return f"{whole // 3600} h {whole % 3600 // 60:02d} min"


def format_eta(eta: float | None) -> str:
    """`ETA 45 s`, `ETA 1 min 10 s`, or `ETA unknown` when it cannot be told."""
    if eta is None:
        return "ETA unknown"
    return f"ETA {math.ceil(eta)} s" if eta < 60 else f"ETA {format_duration(eta)}"


def format_progress(outlook: Outlook) -> str:
    """`12/40 built, 1 failed, 3 running, 25 waiting, ETA 1 min 10 s` (failed only when some did, no ETA once
    nothing runs or waits)."""
    counts = outlook.counts
    failed = f", {counts.failed} failed" if counts.failed else ""
    eta = "" if outlook.over else f", {format_eta(outlook.eta)}"
    return f"{counts.done}/{counts.total} built{failed}, {counts.running} running, {counts.waiting} waiting{eta}"


def bar_cells(fraction: float, width: int) -> int:
    """How many of width cells are full for the share fraction."""
    return min(width, max(0, round(fraction * width)))


def format_bar(fraction: float, width: int) -> str:
    """A bar of width cells, the share fraction of it full."""
    full = bar_cells(fraction, width)
    return FULL * full + EMPTY * (width - full)
