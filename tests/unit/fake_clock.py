"""A clock the test moves, for code that takes a clock (Progress, the views, Forecast)."""

from __future__ import annotations


class Clock:
    """Returns now, which only the test changes."""

    def __init__(self, now: float = 0.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now
