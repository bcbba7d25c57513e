"""Plain-text output: aligned tables to stdout, messages to stderr."""

from __future__ import annotations

import sys
from collections.abc import Sequence


def table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """Columns padded to their widest cell."""
    widths = [max(len(h), *(len(r[i]) for r in rows)) if rows else len(h) for i, h in enumerate(headers)]
    lines = ["  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip() for row in [headers, *rows]]
    return "\n".join(lines)


def warn(message: str) -> None:
    """A line to stderr, prefixed so it stands out from data."""
    print(f"nixswarm: {message}", file=sys.stderr)


def size(n: int | None) -> str:
    """Bytes as GiB with one decimal."""
    return "-" if n is None else f"{n / (1 << 30):.1f}G"
