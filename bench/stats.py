"""Small statistics for benchmark tables."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable


def timed(work: Callable[[], object]) -> float:
    """Seconds one call of work took."""
    started = time.perf_counter()
    work()
    return time.perf_counter() - started


def summary(samples: list[float]) -> str:
    """`median (min-max)` in seconds."""
    return f"{statistics.median(samples):.3f} ({min(samples):.3f}-{max(samples):.3f})"
