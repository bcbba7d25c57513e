"""The load a builder reports: a file of the lab's bound over /proc/loadavg in the builder's mount namespace.

All builders share one kernel, so the real /proc/loadavg says the same everywhere; this file lets a test choose.
"""

from __future__ import annotations

import os
from pathlib import Path

FILE = "loadavg"
"""Its name in the builder's folder."""
WHOLE_PROC = "proc"
"""Where, in the builder's folder, its mount namespace keeps a proc with nothing bound over it (see SSHD_HERE)."""
LENGTH = 32
"""Every content is this long (the last-pid field absorbs the difference), so a rewrite leaves no older tail."""
MAX_LOAD = 999.99


def loadavg_text(load1: float) -> str:
    """/proc/loadavg's format with load1 as the 1-, 5- and 15-minute loads: `8.00 8.00 8.00 1/123 4567000000`."""
    if not 0 <= load1 <= MAX_LOAD:
        raise ValueError(f"a lab load is between 0 and {MAX_LOAD}, not {load1}")
    head = f"{load1:.2f} {load1:.2f} {load1:.2f} 1/123 "
    width = LENGTH - len(head) - 1
    return head + ("4567" + "0" * width)[:width] + "\n"


def write_load(path: Path, load1: float) -> None:
    """Rewrite the file in place: a bind mount keeps its inode, so a renamed new file would never be seen.

    One write of the whole, same-length content, then a truncate to it: a reader sees the old line or the new one.
    """
    data = loadavg_text(load1).encode()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT, 0o644)
    try:
        written = os.pwrite(fd, data, 0)
        if written != len(data):
            raise OSError(f"short write to {path}: {written} of {len(data)} bytes")
        os.ftruncate(fd, len(data))
    finally:
        os.close(fd)


def read_load(text: str) -> float:
    """The 1-minute load of a /proc/loadavg line."""
    return float(text.split(maxsplit=1)[0])
