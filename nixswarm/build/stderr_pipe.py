"""nix's stderr pipe, made large and read in batches: a chatty build wakes nixswarm a few dozen times a second, not
once for every line nix writes."""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import os
from collections.abc import Callable

__all__ = ["GATHER", "PIPE_SIZE", "read_batches", "stderr_pipe"]

PIPE_SIZE = 1 << 20
"""Bytes the pipe is asked to hold (Linux; a system that says no keeps its own size)."""
GATHER = 0.01
"""Seconds the pipe is left to fill after a batch that took less than half of it (not after a fuller one)."""


def stderr_pipe() -> tuple[int, int]:
    """A new pipe (read end, not blocking; write end), as large as the system lets it be, up to PIPE_SIZE."""
    read_end, write_end = os.pipe()
    os.set_blocking(read_end, False)
    resize = getattr(fcntl, "F_SETPIPE_SZ", None)
    if resize is not None:
        with contextlib.suppress(OSError):
            fcntl.fcntl(read_end, resize, PIPE_SIZE)
    return read_end, write_end


async def read_batches(fd: int, on_chunk: Callable[[bytes], None], most: int) -> None:
    """Read the pipe fd (not blocking) to its end, handing on_chunk, in order, what it holds each time it has
    something (at most `most` bytes at once).

    After a read that took less than half of what the pipe holds, the pipe gets GATHER seconds to fill before the
    next, so a writer of many small lines is read in few large chunks; a fuller pipe is read again at once."""
    loop = asyncio.get_running_loop()
    capacity = _capacity(fd)
    while True:
        await _readable(loop, fd)
        try:
            chunk = os.read(fd, most)
        except BlockingIOError:
            continue
        if not chunk:
            return
        on_chunk(chunk)
        if len(chunk) < min(capacity, most) // 2:
            await asyncio.sleep(GATHER)


async def _readable(loop: asyncio.AbstractEventLoop, fd: int) -> None:
    ready: asyncio.Future[None] = loop.create_future()

    def wake() -> None:
        if not ready.done():
            ready.set_result(None)

    loop.add_reader(fd, wake)
    try:
        await ready
    finally:
        loop.remove_reader(fd)


def _capacity(fd: int) -> int:
    """Bytes the pipe holds (64 KiB where the system does not say)."""
    size = getattr(fcntl, "F_GETPIPE_SZ", None)
    if size is not None:
        with contextlib.suppress(OSError):
            return int(fcntl.fcntl(fd, size))
    return 1 << 16
