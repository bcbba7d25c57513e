"""How far a build is and when it should end: built/total from Nix's counts, an ETA from expected durations.

The ETA is an approximation from what Nix's log tells (it names no derivation before it starts, so the graph of
the waiting ones is unknown). Each running build is expected to take the estimator's time for its name on its
host, else the median of the builds of this run that succeeded; each waiting one that median. With
`remaining = max(expected - elapsed, 0)` per running build and `slots` the most builds that ran at once so far:

    ETA = max(longest remaining,
              (sum of remaining + waiting * median) / slots,
              soonest remaining + median   when derivations wait)

the longest running build must end, all the work must pass through the slots, and a waiting derivation can only
start once a running one ends (it waits for a slot or for a dependency). Without a median (no build has succeeded
yet) and a derivation whose time is unknown, there is no ETA.

Once Nix has listed the derivations it will build and their .drv files are read (build_graph.py), the waiting ones
are known by name, each with its own expected time (its history on any host, else the median), and

    ETA = max(the remaining critical path through the graph, sum of remaining times / slots)

replaces the rule above.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from nixswarm.build.build_graph import critical_path
from nixswarm.build.counts import Counts
from nixswarm.build.progress import Progress
from nixswarm.build.results import drv_name

__all__ = ["EVERY", "Expected", "Forecast", "Outlook", "eta_seconds", "no_history"]

EVERY = 1.0
"""Seconds an outlook is reused for while no build starts or ends."""

Expected = Callable[[str, str], float | None]
"""expected(name, host): seconds a derivation (name without hash) should take on a host ("local" for this
machine), or None when unknown. The build history provides one; no_history knows nothing."""


def no_history(name: str, host: str) -> float | None:
    """The estimator without a history: every derivation's time is unknown."""
    return None


@dataclass(frozen=True)
class Outlook:
    """The build's progress at one moment, for the views."""

    counts: Counts
    """Nix's own counts: built, failed, running, total; waiting follows from them."""
    eta: float | None
    """Seconds until the build should end; None when it cannot be told yet."""

    @property
    def fraction(self) -> float:
        """Share of the total that has ended (built or failed), 0 to 1."""
        ended = self.counts.done + self.counts.failed
        return min(1.0, ended / self.counts.total) if self.counts.total else 0.0

    @property
    def over(self) -> bool:
        """Nix counted builds and none runs or waits any more: an ETA says nothing."""
        return bool(self.counts.total) and not self.counts.running and not self.counts.waiting


def eta_seconds(
    running: Sequence[tuple[float | None, float]], waiting: int, median: float | None, slots: int
) -> float | None:
    """The ETA rule of this module, for running builds as (expected or None, elapsed), waiting derivations, the
    median time of this run's builds (None before one succeeded) and the slots; None when it cannot be told."""
    expected = [median if time is None else time for time, _ in running]
    if any(time is None for time in expected) or (waiting and median is None):
        return None
    remaining = [
        max(time - elapsed, 0.0) for time, (_, elapsed) in zip(expected, running, strict=True) if time is not None
    ]
    typical = median or 0.0
    spread = (math.fsum(remaining) + waiting * typical) / max(slots, len(running), 1)
    after_next = min(remaining, default=0.0) + typical if waiting else 0.0
    return max(max(remaining, default=0.0), spread, after_next)


class Forecast:
    """The Outlook of one build, worked out at most once every EVERY seconds or when a build starts or ends."""

    def __init__(self, progress: Progress, expected: Expected = no_history, *, every: float = EVERY) -> None:
        self.progress = progress
        self.expected = expected
        self._every = every
        self._times: dict[tuple[str, str], float | None] = {}
        """Each derivation's expected time on a host, asked once."""
        self._key: tuple[int, Counts] | None = None
        self._at = 0.0
        self._last = Outlook(Counts(), None)

    def outlook(self, now: float) -> Outlook:
        """The progress and ETA at now (on the Progress clock)."""
        progress = self.progress
        key = (progress.version, progress.counts)
        if key == self._key and now - self._at < self._every:
            return self._last
        counts = progress.counts
        under_way = progress.running()
        if counts.total and len(under_way) > counts.running:  # Nix counted the oldest as ended, not yet which
            under_way = under_way[len(under_way) - counts.running :]
        running = [(self._time(drv_name(run.drv), host), now - run.started) for host, run in under_way]
        eta = eta_seconds(running, counts.waiting, progress.median_built(), progress.peak) if counts.total else None
        if counts.total and (graphed := self._through_graph(now)) is not None:
            eta = graphed
        self._key, self._at, self._last = key, now, Outlook(counts, eta)
        return self._last

    def _through_graph(self, now: float) -> float | None:
        """The critical-path ETA, when the graph is read and every remaining derivation has a time."""
        progress = self.progress
        deps = progress.graph.deps()
        if not deps:
            return None
        median = progress.median_built()
        ended = {r.drv for r in progress.results()}
        running = {run.drv: (host, now - run.started) for host, run in progress.running()}
        remaining: dict[str, float] = {}
        for drv in deps:
            if drv in ended:
                continue
            host, elapsed = running.get(drv, ("", 0.0))
            time = self._time(drv_name(drv), host)
            time = median if time is None else time
            if time is None:
                return None
            remaining[drv] = max(time - elapsed, 0.0)
        slots = max(progress.peak, len(running), 1)
        return max(critical_path(deps, remaining), math.fsum(remaining.values()) / slots)

    def _time(self, name: str, host: str) -> float | None:
        if (name, host) not in self._times:
            self._times[name, host] = self.expected(name, host)
        return self._times[name, host]
