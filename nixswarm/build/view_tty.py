"""The build live in a terminal: one lane per host, redrawn in place with plain ANSI escapes."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable, Sequence
from typing import TextIO

from nixswarm.build.build_logs import BuildLogs, Shown
from nixswarm.build.eta import Forecast, Outlook
from nixswarm.build.progress import Progress
from nixswarm.build.progress_text import format_bar, format_progress
from nixswarm.build.results import (
    BuildEnded,
    BuildLog,
    HostUnreachable,
    HostView,
    NixMessage,
    drv_name,
)
from nixswarm.build.view_plain import format_change, format_duration, format_logs

__all__ = ["BAR", "INTERVAL", "TtyView", "render_lanes"]

BAR = 20
"""Cells of the progress bar in the header."""

INTERVAL = 0.1
"""Least seconds between two redraws."""
_UP = "\x1b[{}F"  # to the start of the line n lines up
_CLEAR_LINE = "\x1b[2K"
_CLEAR_BELOW = "\x1b[J"
_HIDE_CURSOR = "\x1b[?25l"
_SHOW_CURSOR = "\x1b[?25h"


class TtyView:
    """Keeps a block of lanes at the bottom of the terminal; lines about failures scroll above it."""

    def __init__(
        self,
        progress: Progress,
        stream: TextIO,
        *,
        clock: Callable[[], float] = time.monotonic,
        interval: float = INTERVAL,
        size: tuple[int, int] | None = None,
        forecast: Forecast | None = None,
    ) -> None:
        """clock must be the one progress uses; size (columns, lines) is read from the terminal when None; with a
        forecast of progress, the header shows built/total, a bar, what waits and the ETA."""
        self._progress = progress
        self._forecast = forecast
        self._stream = stream
        self._clock = clock
        self._interval = interval
        self._size = size
        self._began = clock()
        self._last: float | None = None
        self._drawn = 0
        self._closed = False
        self._above: list[str] = []
        """Lines waiting to scroll above the lanes at the next redraw."""

    def show(self, changes: Iterable[Shown]) -> None:
        """Print failures, unreachable hosts, Nix's messages and build logs above the lanes, then refresh.

        Build log lines wait for the next redraw (at most interval away), so a chatty build is not slowed by a
        redraw of every lane per line; the rest is printed at once.
        """
        if self._closed:
            return
        scrolled = [change for change in changes if _scrolls(change)]
        for change in scrolled:
            if isinstance(change, BuildLogs):
                self._above += format_logs(change)
            elif line := format_change(change):
                self._above.append(line)
        self.refresh(force=any(not isinstance(change, BuildLog | BuildLogs) for change in scrolled))

    def refresh(self, force: bool = False) -> None:
        """Redraw the lanes, unless one was drawn less than interval ago (call it on a timer, too)."""
        now = self._clock()
        if self._closed or (not force and self._last is not None and now - self._last < self._interval):
            return
        columns, rows = self._terminal_size()
        outlook = self._forecast.outlook(now) if self._forecast is not None else None
        lanes = render_lanes(self._progress.hosts(), now, now - self._began, columns, max(rows - 1, 2), outlook=outlook)
        hide = _HIDE_CURSOR if self._last is None else ""
        above = self._erase() + "".join(f"{line}\n" for line in self._above) if self._above else self._erase(False)
        self._above.clear()
        self._stream.write(hide + above + "".join(f"{_CLEAR_LINE}{lane}\n" for lane in lanes))
        self._stream.write(_CLEAR_BELOW)
        self._stream.flush()
        self._drawn = len(lanes)
        self._last = now

    def close(self) -> None:
        """Draw the final state, leave it on screen and give the cursor back."""
        if self._closed:
            return
        self.refresh(force=True)
        self._closed = True
        self._stream.write(_SHOW_CURSOR)
        self._stream.flush()

    def _erase(self, clear: bool = True) -> str:
        """Escapes that move to the first line of the lanes (and clear them)."""
        if not self._drawn:
            return ""
        return _UP.format(self._drawn) + (_CLEAR_BELOW if clear else "")

    def _terminal_size(self) -> tuple[int, int]:
        if self._size is not None:
            return self._size
        try:
            size = os.get_terminal_size(self._stream.fileno())
        except (AttributeError, OSError, ValueError):
            return 80, 24
        return size.columns, size.lines


def render_lanes(
    hosts: Sequence[HostView], now: float, elapsed: float, columns: int, rows: int, *, outlook: Outlook | None = None
) -> list[str]:
    """A header and one lane per host (host, done and failed counts, what it builds now), within the size; with an
    outlook the header is a bar and `12/40 built, 3 running, 25 waiting, ETA 1 min 10 s, 2 min 05 s elapsed`."""
    if outlook is not None:
        bar = format_bar(outlook.fraction, BAR)
        header = f"nix: {bar} {format_progress(outlook)}, {format_duration(elapsed)} elapsed"
    else:
        running = sum(len(h.running) for h in hosts)
        built = sum(h.built for h in hosts)
        failed = sum(h.failed for h in hosts)
        header = f"nix: {running} building, {built} built, {failed} failed, {format_duration(elapsed)}"
    width = max((len(h.name) for h in hosts), default=5)
    lanes = [f"{h.name:<{width}}  {h.built:>3} built {h.failed:>2} failed  {_doing(h, now)}" for h in hosts]
    if len(lanes) > rows - 1:
        cut = len(lanes) - (rows - 2)
        lanes = [*lanes[: rows - 2], f"... {cut} more hosts"]
    return [_fit(line, columns) for line in [header, *lanes]]


def _scrolls(change: Shown) -> bool:
    """Whether a change gets a line above the lanes: failures, messages and logs do, starts and successes do not."""
    if isinstance(change, BuildEnded):
        return change.result.status != "built"
    return isinstance(change, HostUnreachable | NixMessage | BuildLog | BuildLogs)


def _doing(host: HostView, now: float) -> str:
    if host.running:
        first = host.running[0]
        more = f" +{len(host.running) - 1}" if len(host.running) > 1 else ""
        phase = f" [{first.phase}]" if first.phase else ""
        return f"building {drv_name(first.drv)}{more}{phase} {format_duration(now - first.started)}"
    if host.connection_errors:
        return f"unreachable: {host.connection_errors[0]}"
    return "idle"


def _fit(line: str, columns: int) -> str:
    """line cut to the terminal width minus one (a full line would wrap on some terminals)."""
    limit = max(columns - 1, 10)
    return line if len(line) <= limit else line[: limit - 3] + "..."
