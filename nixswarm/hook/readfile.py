"""Read a whole file with plain os calls (the hook starts with -S and imports as little as it can)."""

from __future__ import annotations

import os


def read_whole(path: str) -> bytes:
    """The file's bytes; OSError (FileNotFoundError when it is missing) as os.open and os.read raise them."""
    fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    try:
        chunks = []
        while chunk := os.read(fd, 65536):
            chunks.append(chunk)
    finally:
        os.close(fd)
    return b"".join(chunks)
