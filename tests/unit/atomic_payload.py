"""The contents of the killed-writer test: distinct, recognisable, 1 KiB to 1 MiB, shared with its subprocess."""

from __future__ import annotations

import re

WRITES = 200
_HEADER = re.compile(rb"nixswarm atomic write (\d{3}) of (\d{7}) bytes\n")


def size(index: int) -> int:
    """Sizes spread evenly on a log scale from 1 KiB to 1 MiB, shuffled by a stride."""
    return int(1024 * 1024 ** (((index * 73) % WRITES) / (WRITES - 1)))


def payload(index: int) -> bytes:
    """Write number index: a header naming it, then a filler that differs for every index."""
    total = size(index)
    header = b"nixswarm atomic write %03d of %07d bytes\n" % (index, total)
    filler = (b"%03d:" % index) * (total // 4 + 1)
    return header + filler[: total - len(header)]


def identify(content: bytes) -> int | None:
    """The index whose complete payload content is, else None (torn, empty or foreign)."""
    match = _HEADER.match(content)
    if match is None:
        return None
    index = int(match[1])
    return index if content == payload(index) else None
