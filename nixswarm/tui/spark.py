"""A load history as a one-line sparkline of block characters."""

from __future__ import annotations

from collections.abc import Sequence

BLOCKS = "▁▂▃▄▅▆▇█"


def sparkline(values: Sequence[float], ceiling: float, width: int) -> str:
    """The last `width` values, one block each, scaled so that ceiling (the core count) is a full block."""
    top = ceiling if ceiling > 0 else max(values, default=1.0) or 1.0
    steps = len(BLOCKS) - 1
    blocks = "".join(BLOCKS[min(steps, max(0, round(v / top * steps)))] for v in values[-width:])
    return blocks.ljust(width)
