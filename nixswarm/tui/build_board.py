"""What the build screen shows: the core's Progress fed nix's lines, its Forecast, each derivation's log lines."""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from nixswarm.build.eta import Expected, Forecast, no_history
from nixswarm.build.log_events import LogLine
from nixswarm.build.log_fold import Logged, fold_lines
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

    def feed_lines(self, lines: Sequence[str]) -> None:
        """Stderr lines of nix, as read: folded in order, a run of a builder's plain log lines in bulk (log_fold)."""
        for folded in fold_lines(self.progress, lines, every_log=True):
            if isinstance(folded, Logged):
                self._log(folded.activity, folded.texts)
                continue
            for change in folded.changes:
                if isinstance(change, BuildBegan):
                    self.logs.setdefault(change.drv, DrvLog(change.drv)).why = change.why
            if isinstance(folded.event, LogLine):
                self._log(folded.event.id, [folded.event.text])

    def _log(self, activity: int, texts: Sequence[str]) -> None:
        if texts and (source := self.progress.source(activity)) is not None:
            log = self.logs.setdefault(source[1], DrvLog(source[1]))  # an ssh-ng builder's own activity: the same drv
            log.dropped += max(0, len(log.lines) + len(texts) - MAX_LOG)
            log.lines.extend(texts)

    def elapsed(self) -> float:
        """Seconds since the build started."""
        return self.clock() - self.started
