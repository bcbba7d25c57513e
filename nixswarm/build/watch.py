"""Watch a build: feed Nix's internal-json lines to the progress model and a live (terminal) or plain view."""

from __future__ import annotations

import sys
from collections.abc import Mapping
from typing import TextIO

from nixswarm.build.log_events import LogLine, parse_line
from nixswarm.build.progress import Progress, Summary, drv_name
from nixswarm.build.view_plain import PlainView, format_summary
from nixswarm.build.view_tty import TtyView


class Watch:
    """One build's progress, shown as it happens and summed up at the end."""

    def __init__(
        self, machines: Mapping[str, str], *, interactive: bool, print_logs: bool, stream: TextIO | None = None
    ) -> None:
        self.stream = stream or sys.stderr
        self.progress = Progress(machines)
        self.tty = TtyView(self.progress, self.stream) if interactive else None
        self.plain = PlainView(self.stream)
        self.print_logs = print_logs

    def feed(self, line: str) -> None:
        """One stderr line of nix."""
        event = parse_line(line)
        changes = self.progress.feed(event)
        if self.print_logs and isinstance(event, LogLine) and (drv := self.progress.drv_of(event.id)):
            print(f"{drv_name(drv)}> {event.text}", file=self.stream)  # -L, prefixed as nix does
        if self.tty is not None:
            self.tty.show(changes)
        else:
            self.plain.show(changes)

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
        else:
            self.plain.show(changes)
        summary = self.progress.summary()
        print(format_summary(summary), file=self.stream, flush=True)
        return summary
