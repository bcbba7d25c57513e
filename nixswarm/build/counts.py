"""Nix's own count of a run's builds (its top-level "builds" activity), made right for every Nix version.

Nix reports `[done, expected, running, failed]` for that activity, where expected is done plus the derivation
goals still open, so the total is expected plus failed. Nix 2.8 to 2.26 close a goal in the same report that counts
its build done (or failed). Nix 2.34 counts the build first, while the goal that asked for it stays open until a
later report: expected rises with done, then falls back. A total read naively would grow by one at each build's
end and stay one too high at the end; what expected rose by in a report where builds ended (done or failed up,
running down by as many) is remembered as a lag and taken off until expected falls back.
"""

from __future__ import annotations

from dataclasses import dataclass

from nixswarm.build.log_events import BuildCounts

__all__ = ["Counts", "NixCounts"]


@dataclass(frozen=True)
class Counts:
    """How far the build is, in Nix's own counts."""

    done: int = 0
    """Derivations built."""
    failed: int = 0
    """Derivations that failed (not those left undone because a dependency failed)."""
    running: int = 0
    """Derivations building now."""
    total: int = 0
    """Derivations this build will build, as far as Nix knows yet (it grows while Nix reads the graph)."""

    @property
    def waiting(self) -> int:
        """Derivations not started yet."""
        return max(0, self.total - self.done - self.failed - self.running)


class NixCounts:
    """Folds the progress reports of the top-level builds activity into Counts."""

    def __init__(self) -> None:
        self._top: int | None = None
        self._base = Counts()
        """What earlier top-level activities of this run counted."""
        self._last = (0, 0, 0, 0)
        self._lag = 0
        self.counts = Counts()
        """The counts now."""

    def opened(self, activity: int) -> bool:
        """A builds activity started; True when it is the top-level one (the first open)."""
        if self._top is not None:
            return False
        self._top = activity
        self._base, self._last, self._lag = self.counts, (0, 0, 0, 0), 0
        return True

    def closed(self, activity: int) -> None:
        """An activity stopped."""
        if activity == self._top:
            self._top = None

    def report(self, event: BuildCounts) -> tuple[int, int] | None:
        """Take a progress report; the builds it newly counts as done and as failed, None when not the top's."""
        if event.id != self._top:
            return None
        done, expected, running, failed = self._last
        ended = min(event.done - done + event.failed - failed, running - event.running)
        surplus = event.expected - expected + (event.failed - failed if ended > 0 else 0)
        if surplus > 0:
            self._lag += min(surplus, max(ended, 0))
        else:
            self._lag -= min(self._lag, -surplus)
        self._last = (event.done, event.expected, event.running, event.failed)
        total = max(event.expected - self._lag + event.failed, event.done + event.failed + event.running)
        base = self._base
        self.counts = Counts(base.done + event.done, base.failed + event.failed, event.running, base.total + total)
        return max(0, event.done - done), max(0, event.failed - failed)
