"""Watch a build: feed Nix's internal-json lines to the progress model, and show them as the user asked Nix to."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Mapping
from typing import TextIO

from nixswarm.build.log_events import Event, LogLine, Message, parse_line, without_controls
from nixswarm.build.log_flags import WARN, LogWish
from nixswarm.build.progress import BuildLog, Change, NixMessage, Progress, Summary
from nixswarm.build.view_plain import PlainView, format_summary
from nixswarm.build.view_tty import TtyView


class Watch:
    """One build's progress, shown as it happens and summed up at the end.

    The LogWish says how: lanes on a terminal (or plain lines), the builds' own output prefixed with host and
    derivation (-L), more of Nix's messages (-v), or Nix's own internal-json lines (--log-format internal-json).
    """

    def __init__(
        self,
        machines: Mapping[str, str],
        *,
        interactive: bool,
        wish: LogWish | None = None,
        stream: TextIO | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.stream = stream or sys.stderr
        self.wish = wish or LogWish()
        self.progress = Progress(machines, clock)
        live = interactive and self.wish.style == "live"
        self.tty = TtyView(self.progress, self.stream, clock=clock) if live else None
        self.plain = PlainView(self.stream)

    def feed(self, line: str) -> None:
        """One stderr line of nix."""
        event = parse_line(line)
        changes = self.progress.feed(event)
        if self.wish.style == "json":  # the user asked for Nix's own lines
            self.stream.write(f"{without_controls(line)}\n")
            self.stream.flush()
            return
        changes += self._asked(event)
        if self.tty is not None:
            self.tty.show(changes)
        else:
            self.plain.show(changes)

    def _asked(self, event: Event | None) -> list[Change]:
        """What the user's log options add: the builds' own lines, Nix's messages beyond errors and warnings."""
        if isinstance(event, LogLine) and self.wish.print_logs and (source := self.progress.source(event.id)):
            return [BuildLog(source[0], source[1], event.text, event.post_build)]
        if isinstance(event, Message) and event.level > WARN and self.wish.shows(event.level):
            return [NixMessage(event.level, event.text)]
        return []

    def tick(self) -> None:
        """Let elapsed times move during quiet stretches."""
        if self.tty is not None:
            self.tty.refresh()

    def finish(self) -> Summary:
        """nix has exited: close the view, print the per-host summary, return it for --json-summary."""
        changes = self.progress.finish()
        if self.tty is not None:
            self.tty.show(changes)
            self.tty.close()
        elif self.wish.style != "json":
            self.plain.show(changes)
        summary = self.progress.summary()
        print(format_summary(summary), file=self.stream, flush=True)
        return summary
