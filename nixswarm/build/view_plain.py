"""The build as plain lines, for output that is not a terminal: one line per start, end and failure."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TextIO

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

__all__ = ["PlainView", "format_change", "format_duration", "format_summary"]


class PlainView:
    """Writes each change as a line to a text stream."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream

    def show(self, changes: Iterable[Change]) -> None:
        """Write the lines of these changes and flush."""
        lines = [line for change in changes if (line := format_change(change)) is not None]
        if lines:
            self._stream.write("".join(f"{line}\n" for line in lines))
            self._stream.flush()


def format_change(change: Change) -> str | None:
    """`[b1] building foo.drv`, `[b1] built foo (3.2 s)`, `[local] FAILED foo: why`, `[b1] foo> a log line`;
    None for nothing to say."""
    match change:
        case BuildBegan(host=host, drv=drv):
            return f"[{host}] building {drv_name(drv)}.drv"
        case BuildEnded(result=r) if r.status == "failed":
            return f"[{r.host}] FAILED {r.name}: {r.failure()}"
        case BuildEnded(result=r):
            return f"[{r.host}] {r.status} {r.name} ({format_duration(r.seconds)})"
        case HostUnreachable(host=host, error=error):
            return f"[{host}] cannot connect: {error}"
        case NixMessage(text=text):
            return text
        case BuildLog(host=host, drv=drv, text=text, post_build=post):
            return f"[{host}] {drv_name(drv)}{' (post)' if post else ''}> {text}"  # Nix's -L prefix, and the host
    return None


def format_duration(seconds: float) -> str:
    """`0.4 s`, `12.0 s`, `3 min 05 s`, `1 h 02 min`."""
    if seconds < 60:
        return f"{max(seconds, 0.0):.1f} s"
    whole = int(seconds)
    if whole < 3600:
        return f"{whole // 60} min {whole % 60:02d} s"
    return f"{whole // 3600} h {whole % 3600 // 60:02d} min"


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
