"""How many bytes copying a store path to a builder costs: its size in the local store, close to its NAR size."""

from __future__ import annotations

import os

MAX_ENTRIES = 200_000
"""A path with more files than this is counted as what was seen so far (the cost stays bounded)."""


def path_bytes(path: str, *, limit: int = MAX_ENTRIES) -> int:
    """Regular files' sizes plus symlinks' target lengths under path (NAR framing, a few hundred bytes per entry,
    left out), over at most limit entries; 0 when it is not in the local store."""
    total = 0
    seen = 0
    stack = [path]
    while stack and seen < limit:
        current = stack.pop()
        try:
            st = os.lstat(current)
        except OSError:
            continue
        seen += 1
        mode = st.st_mode
        if mode & 0o170000 == 0o040000:  # a directory
            try:
                stack.extend(os.path.join(current, n) for n in os.listdir(current))  # noqa: PTH118, PTH208
            except OSError:
                continue
        else:
            total += st.st_size
    return total
