"""Read or replace a whole file with plain os calls (the hook starts with -S and imports as little as it can)."""

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


def write_all(fd: int, data: bytes) -> None:
    """Every byte of data to fd (os.write may take part of it)."""
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def replace_whole(path: str, data: bytes, *, sync: bool = False) -> None:
    """Write path atomically, mode 0644: a temporary file beside it (fsync'ed when sync), then renamed over it, so
    a reader never sees half of it. 0644: a daemon's hook (root) writes in the build owner's own 0700 folder."""
    temp = f"{path}.{os.getpid()}.tmp"
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC, 0o644)
    try:
        write_all(fd, data)
        if sync:
            os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(temp, path)  # noqa: PTH105
