"""Watch a build in a terminal: feed Nix's internal-json lines to the progress model, show them as the user asked."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, TextIO

from nixswarm.build.log_events import Event, LogLine, Message, parse_line, without_controls
from nixswarm.build.log_flags import WARN, LogWish
from nixswarm.build.progress import Progress
from nixswarm.build.results import BuildLog, Change, NixMessage, Summary
from nixswarm.build.view_plain import PlainView, format_summary
from nixswarm.build.view_tty import TtyView

if TYPE_CHECKING:
    from nixswarm.build.prepare import BuildRequest
    from nixswarm.files.selection import Skipped


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


class TerminalBuild:
    """The BuildListener of `nixswarm build`: what was left out and notes on stderr, a dry run on stdout, the Watch."""

    def __init__(self, request: BuildRequest, stream: TextIO | None = None) -> None:
        self.request = request
        self.stream = stream or sys.stderr
        self.machines: dict[str, str] = {}
        self.watch: Watch | None = None

    def _say(self, message: str) -> None:
        print(f"nixswarm: {message}", file=self.stream, flush=True)

    def planned(self, machines: dict[str, str], skipped: Sequence[Skipped], notes: Sequence[str]) -> None:
        self.machines = dict(machines)
        for left_out in skipped:
            self._say(f"left out {left_out.name}: {left_out.reason}")
        for note in notes:
            self._say(note)

    def dry_run(self, text: str) -> None:
        sys.stdout.write(text)
        sys.stdout.flush()

    def started(self, wish: LogWish) -> None:
        names = ", ".join(self.machines.values()) or "none"
        self._say(f"builders: {names}" + ("" if self.request.local_weight != "0" else " (nothing local)"))
        self.watch = Watch(self.machines, interactive=self.request.interactive, wish=wish, stream=self.stream)

    def _watching(self) -> Watch:
        assert self.watch is not None, "nix runs only after started()"
        return self.watch

    def line(self, text: str) -> None:
        self._watching().feed(text)

    def tick(self) -> None:
        self._watching().tick()

    def ended(self) -> Summary:
        return self._watching().finish()
