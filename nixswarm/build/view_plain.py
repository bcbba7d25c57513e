"""The build as plain lines, for output that is not a terminal: one line per start, end and failure, and a
progress line at most every PROGRESS_EVERY seconds."""

from __future__ import annotations

import functools
import time
from collections.abc import Callable, Iterable
from typing import TextIO

from nixswarm.build.build_logs import BuildLogs, Shown
from nixswarm.build.eta import Forecast
from nixswarm.build.progress_text import format_duration, format_progress
from nixswarm.build.results import (
    BuildBegan,
    BuildEnded,
    BuildLog,
    Change,
    HostUnreachable,
    NixMessage,
    Summary,
    drv_name,
)

__all__ = ["PROGRESS_EVERY", "PlainView", "format_change", "format_duration", "format_logs", "format_summary"]

PROGRESS_EVERY = 5.0
"""Least seconds between two progress lines."""


class PlainView:
    """Writes each change as a line to a text stream; with a forecast, a progress line now and then."""

    def __init__(
        self,
        stream: TextIO,
        forecast: Forecast | None = None,
        *,
        clock: Callable[[], float] = time.monotonic,
        every: float = PROGRESS_EVERY,
    ) -> None:
        """clock must be the one the forecast's Progress uses."""
        self._stream = stream
        self._forecast = forecast
        self._clock = clock
        self._every = every
        self._progress_at = clock()
        """When the last progress line was written (the first comes every seconds after the start)."""
        self._progress_line = ""

    def show(self, changes: Iterable[Shown]) -> None:
        """Write the lines of these changes and flush."""
        lines: list[str] = []
        for change in changes:
            if isinstance(change, BuildLogs):
                lines += format_logs(change)
            elif (line := format_change(change)) is not None:
                lines.append(line)
        if lines:
            self._stream.write("".join(f"{line}\n" for line in lines))
            self._stream.flush()

    def tick(self) -> None:
        """Write `progress: 12/40 built, 3 running, 25 waiting, ETA 1 min 10 s` if every seconds have passed since
        the last one, Nix has counted builds, and the line says something new."""
        now = self._clock()
        if self._forecast is None or now - self._progress_at < self._every:
            return
        outlook = self._forecast.outlook(now)
        line = f"progress: {format_progress(outlook)}"
        if outlook.counts.total and line != self._progress_line:
            self._progress_at, self._progress_line = now, line
            self._stream.write(f"{line}\n")
            self._stream.flush()


def format_change(change: Change) -> str | None:
    """`[b1] building foo.drv`, `[b1] built foo (3.2 s)`, `[local] FAILED foo: why`, `[b1] foo> a log line`;
    None for nothing to say."""
    if type(change) is BuildLog:  # first: with -L a chatty build sends thousands a second
        return _log_prefix(change.host, change.drv, change.post_build) + change.text
    match change:
        case BuildBegan(host=host, drv=drv, why=why):
            return f"[{host}] building {drv_name(drv)}.drv" + (f" ({why})" if why else "")
        case BuildEnded(result=r) if r.status == "failed":
            return f"[{r.host}] FAILED {r.name}: {r.failure()}"
        case BuildEnded(result=r):
            return f"[{r.host}] {r.status} {r.name} ({format_duration(r.seconds)})"
        case HostUnreachable(host=host, error=error):
            return f"[{host}] cannot connect: {error}"
        case NixMessage(text=text):
            return text
        case BuildLog(host=host, drv=drv, text=text, post_build=post):
            return _log_prefix(host, drv, post) + text
    return None


def format_logs(logs: BuildLogs) -> list[str]:
    """`[b1] foo> a log line` for each of the lines."""
    prefix = _log_prefix(logs.host, logs.drv, False)
    return [prefix + text for text in logs.texts]


@functools.lru_cache(maxsize=256)
def _log_prefix(host: str, drv: str, post_build: bool) -> str:
    """`[b1] foo> `: Nix's -L prefix, and the host."""
    return f"[{host}] {drv_name(drv)}{' (post)' if post_build else ''}> "


def format_summary(summary: Summary) -> str:
    """A table of hosts (local too): builds done, failed and time spent; then each host's errors."""
    rows = [("host", "built", "failed", "build time")]
    rows += [
        (name, str(h["built"]), str(h["failed"]), format_duration(h["build_seconds"]))
        for name, h in summary["hosts"].items()
    ]
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    lines = [
        f"{row[0]:<{widths[0]}}  {row[1]:>{widths[1]}}  {row[2]:>{widths[2]}}  {row[3]:>{widths[3]}}".rstrip()
        for row in rows
    ]
    lines += [f"{name}: {error}" for name, h in summary["hosts"].items() for error in h["errors"]]
    lines += [f"nix: {error}" for error in summary["errors"]]
    return "\n".join(lines)
