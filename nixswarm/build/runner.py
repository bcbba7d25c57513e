"""Run nix, hand its stderr lines to the live view as they come, pass stdout through, stop it cleanly on Ctrl-C."""

from __future__ import annotations

import asyncio
import os
import signal
from collections.abc import Callable, Mapping, Sequence

from nixswarm.build.stderr_lines import MAX_LINE, StderrLines
from nixswarm.build.stderr_pipe import read_batches, stderr_pipe
from nixswarm.errors import NixswarmError

INTERRUPTED = 130
GRACE = 10.0
"""Seconds nix gets to stop after SIGINT before SIGTERM, then as long again before SIGKILL."""
TICK = 0.25


async def run_nix(
    argv: Sequence[str],
    env: Mapping[str, str],
    on_lines: Callable[[Sequence[str]], None],
    on_tick: Callable[[], None] | None = None,
) -> int:
    """nix's exit code, or 130 when interrupted (nix is stopped first); on_lines gets stderr's lines a batch at a
    time, as they are read; on_tick runs every TICK seconds."""
    read_end, write_end = stderr_pipe()
    try:
        proc = await asyncio.create_subprocess_exec(
            *argv, stdin=asyncio.subprocess.DEVNULL, stderr=write_end, env=dict(env)
        )
    except BaseException as err:
        os.close(read_end)
        if isinstance(err, FileNotFoundError):
            raise NixswarmError("Nix is not installed (no `nix` on PATH)", title="No Nix") from None
        raise
    finally:
        os.close(write_end)  # nix has its own copy: the pipe ends when nix (and what it started) let go of it
    interrupted = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, interrupted.set)
    reader = asyncio.create_task(_read(read_end, on_lines))
    try:
        ticker = asyncio.create_task(_tick(on_tick)) if on_tick is not None else None
        waiter = asyncio.create_task(interrupted.wait())
        await asyncio.wait({reader, waiter}, return_when=asyncio.FIRST_COMPLETED)
        if ticker is not None:
            ticker.cancel()
        if interrupted.is_set():
            await _stop(proc)
            reader.cancel()
            await asyncio.gather(reader, return_exceptions=True)
            return INTERRUPTED
        waiter.cancel()
        await reader  # what went wrong while reading is raised here (nix is stopped below)
        return await proc.wait()
    finally:
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(sig)
        if proc.returncode is None:
            await _stop(proc)
        reader.cancel()
        await asyncio.gather(reader, return_exceptions=True)
        os.close(read_end)


async def _tick(on_tick: Callable[[], None]) -> None:
    while True:
        await asyncio.sleep(TICK)
        on_tick()


async def _read(fd: int, on_lines: Callable[[Sequence[str]], None]) -> None:
    lines = StderrLines()

    def chunk_read(chunk: bytes) -> None:
        if batch := lines.feed_block(chunk):
            on_lines(batch)

    await read_batches(fd, chunk_read, MAX_LINE)
    if batch := lines.end_block():
        on_lines(batch)


async def _stop(proc: asyncio.subprocess.Process) -> None:
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGKILL):
        if proc.returncode is not None:
            return
        try:
            proc.send_signal(sig)
        except ProcessLookupError:
            return
        try:
            await asyncio.wait_for(proc.wait(), GRACE)
        except TimeoutError:
            continue
