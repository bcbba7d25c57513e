"""Watch a build in a terminal: feed Nix's internal-json lines to the progress model, show them as the user asked."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, TextIO

from nixswarm.build.build_logs import BuildLogs, Shown
from nixswarm.build.eta import Expected, Forecast, no_history
from nixswarm.build.line_block import block_text
from nixswarm.build.log_events import Event, LogLine, Message, without_controls
from nixswarm.build.log_flags import WARN, LogWish
from nixswarm.build.log_fold import Parsed, fold_lines
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
    Both lanes and plain lines show built/total, what waits and the ETA, from expected(name, host) durations.
    """

    def __init__(
        self,
        machines: Mapping[str, str],
        *,
        interactive: bool,
        wish: LogWish | None = None,
        stream: TextIO | None = None,
        clock: Callable[[], float] = time.monotonic,
        expected: Expected = no_history,
    ) -> None:
        self.stream = stream or sys.stderr
        self.wish = wish or LogWish()
        self.progress = Progress(machines, clock)
        self.forecast = Forecast(self.progress, expected)
        live = interactive and self.wish.style == "live"
        self.tty = TtyView(self.progress, self.stream, clock=clock, forecast=self.forecast) if live else None
        self.plain = PlainView(self.stream, self.forecast, clock=clock)

    def feed(self, line: str) -> None:
        """One stderr line of nix."""
        self.feed_lines([line])

    def feed_lines(self, lines: Sequence[str]) -> None:
        """Stderr lines of nix, as read: folded in order, shown at once; a run of a builder's plain log lines is
        folded in bulk, without parsing, and, unless -L shows it, makes no change."""
        changes: list[Shown] = []
        for folded in fold_lines(self.progress, lines, every_log=self.wish.print_logs):
            if isinstance(folded, Parsed):
                changes += folded.changes
                changes += self._asked(folded.event)
            elif folded.texts and (source := self.progress.source(folded.activity)):
                changes.append(BuildLogs(source[0], source[1], tuple(folded.texts)))
        if self.wish.style == "json":  # the user asked for Nix's own lines
            text = block_text(lines)
            self.stream.write(without_controls("".join(f"{line}\n" for line in lines) if text is None else text))
            self.stream.flush()
        elif self.tty is not None:
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
        """Let elapsed times move during quiet stretches; plain lines get a progress line now and then."""
        if self.tty is not None:
            self.tty.refresh()
        elif self.wish.style != "json":
            self.plain.tick()

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

    def started(self, wish: LogWish, why: Callable[[str], str], expected: Expected = no_history) -> None:
        names = ", ".join(self.machines.values()) or "none"
        self._say(f"builders: {names}" + ("" if self.request.local_weight != "0" else " (nothing local)"))
        self.watch = Watch(
            self.machines, interactive=self.request.interactive, wish=wish, stream=self.stream, expected=expected
        )
        self.watch.progress.why = why

    def planned_drvs(self, drvs: Sequence[str]) -> None:
        if self.watch is not None:
            self.watch.progress.graph.set_planned(list(drvs))

    def _watching(self) -> Watch:
        assert self.watch is not None, "nix runs only after started()"
        return self.watch

    def lines(self, texts: Sequence[str]) -> None:
        self._watching().feed_lines(texts)

    def tick(self) -> None:
        self._watching().tick()

    def ended(self) -> Summary:
        return self._watching().finish()

    def history_warning(self, text: str) -> None:
        self._say(text)
