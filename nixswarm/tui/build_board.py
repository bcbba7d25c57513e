"""What the build screen shows: the core's Progress fed nix's lines, and each derivation's log lines."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from nixswarm.build.log_events import LogLine, parse_line
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
    lines: list[str] = field(default_factory=list)
    """What its builder printed, oldest first (at most MAX_LOG; the oldest are dropped)."""
    dropped: int = 0
    """Lines dropped from the start."""


class BuildBoard:
    """One build, fed line by line."""

    def __init__(self, clock: Callable[[], float]) -> None:
        self.clock = clock
        self.progress = Progress({}, clock)
        self.skipped: tuple[Skipped, ...] = ()
        self.notes: tuple[str, ...] = ()
        self.logs: dict[str, DrvLog] = {}
        """By .drv path, in the order builds started."""
        self.started = clock()

    def planned(self, machines: dict[str, str], skipped: Sequence[Skipped], notes: Sequence[str]) -> None:
        """The plan is known: hosts get their names from here on."""
        self.progress = Progress(machines, self.clock)
        self.skipped, self.notes = tuple(skipped), tuple(notes)

    def feed(self, line: str) -> None:
        """One stderr line of nix."""
        event = parse_line(line)
        for change in self.progress.feed(event):
            if isinstance(change, BuildBegan):
                self.logs.setdefault(change.drv, DrvLog(change.drv))
        if isinstance(event, LogLine) and (source := self.progress.source(event.id)) is not None:
            log = self.logs.setdefault(source[1], DrvLog(source[1]))  # an ssh-ng builder's own activity: the same drv
            log.lines.append(event.text)
            if len(log.lines) > MAX_LOG:
                del log.lines[0]
                log.dropped += 1

    def elapsed(self) -> float:
        """Seconds since the build started."""
        return self.clock() - self.started
