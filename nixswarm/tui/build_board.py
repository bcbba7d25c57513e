"""What the build screen shows: the core's Progress fed nix's lines, its Forecast, each derivation's log lines."""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from nixswarm.build.eta import Expected, Forecast, no_history
from nixswarm.build.log_events import LogLine, build_log_line, parse_line
from nixswarm.build.progress import Progress
from nixswarm.build.results import BuildBegan
from nixswarm.files.selection import Skipped

MAX_LOG = 5000
"""Log lines kept per derivation."""


@dataclass
class DrvLog:
    """The log of one derivation."""

    drv: str
    """Its .drv path."""
    lines: deque[str] = field(default_factory=lambda: deque(maxlen=MAX_LOG))
    """What its builder printed, oldest first (at most MAX_LOG; the oldest are dropped)."""
    dropped: int = 0
    """Lines dropped from the start."""
    why: str = ""
    """Why the scheduler sent it where it builds."""


class BuildBoard:
    """One build, fed nix's lines as they are read."""

    def __init__(self, clock: Callable[[], float], expected: Expected = no_history) -> None:
        """expected(name, host) gives the derivations' expected durations for the ETA (the build history's)."""
        self.clock = clock
        self.expected = expected
        self.progress = Progress({}, clock)
        self.forecast = Forecast(self.progress, expected)
        self.skipped: tuple[Skipped, ...] = ()
        self.notes: tuple[str, ...] = ()
        self.logs: dict[str, DrvLog] = {}
        """By .drv path, in the order builds started."""
        self.history_warning = ""
        """What went wrong with the build history once nix exited ("" when nothing did)."""
        self.started = clock()

    def use_history(self, expected: Expected) -> None:
        """The build's own estimates of past build times (from the history), for the ETA."""
        self.expected = expected
        self.forecast = Forecast(self.progress, expected)

    def planned(self, machines: dict[str, str], skipped: Sequence[Skipped], notes: Sequence[str]) -> None:
        """The plan is known: hosts get their names from here on."""
        self.progress = Progress(machines, self.clock)
        self.forecast = Forecast(self.progress, self.expected)
        self.skipped, self.notes = tuple(skipped), tuple(notes)

    def feed_lines(self, lines: Iterable[str]) -> None:
        """Stderr lines of nix, as read (a builder's plain log line is kept without parsing)."""
        progress = self.progress
        for line in lines:
            log = build_log_line(line)
            if log is not None and progress.keep_log(*log):
                self._log(*log)
                continue
            event = parse_line(line)
            for change in progress.feed(event):
                if isinstance(change, BuildBegan):
                    self.logs.setdefault(change.drv, DrvLog(change.drv)).why = change.why
            if isinstance(event, LogLine):
                self._log(event.id, event.text)

    def _log(self, activity: int, text: str) -> None:
        if (source := self.progress.source(activity)) is not None:
            log = self.logs.setdefault(source[1], DrvLog(source[1]))  # an ssh-ng builder's own activity: the same drv
            if len(log.lines) == MAX_LOG:
                log.dropped += 1
            log.lines.append(text)

    def elapsed(self) -> float:
        """Seconds since the build started."""
        return self.clock() - self.started
