"""Run nix, hand its stderr lines to the live view as they come, pass stdout through, stop it cleanly on Ctrl-C."""

from __future__ import annotations

import asyncio
import signal
from collections.abc import Callable, Mapping, Sequence

from nixswarm.build.stderr_lines import MAX_LINE, StderrLines
from nixswarm.errors import NixswarmError

INTERRUPTED = 130
GRACE = 10.0
"""Seconds nix gets to stop after SIGINT before SIGTERM, then as long again before SIGKILL."""
CHUNK = 1 << 16
"""Bytes of stderr read at once (at most: what nix has written so far)."""
TICK = 0.25


async def run_nix(
    argv: Sequence[str],
    env: Mapping[str, str],
    on_lines: Callable[[list[str]], None],
    on_tick: Callable[[], None] | None = None,
) -> int:
    """nix's exit code, or 130 when interrupted (nix is stopped first); on_lines gets stderr's lines a batch at a
    time, as they are read; on_tick runs every TICK seconds."""
    try:
        proc = await asyncio.create_subprocess_exec(
            *argv, stdin=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE, env=dict(env), limit=MAX_LINE
        )
    except FileNotFoundError:
        raise NixswarmError("Nix is not installed (no `nix` on PATH)", title="No Nix") from None
    interrupted = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, interrupted.set)
    try:
        reader = asyncio.create_task(_read(proc, on_lines))
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
        return await proc.wait()
    finally:
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(sig)
        if proc.returncode is None:
            await _stop(proc)


async def _tick(on_tick: Callable[[], None]) -> None:
    while True:
        await asyncio.sleep(TICK)
        on_tick()


async def _read(proc: asyncio.subprocess.Process, on_lines: Callable[[list[str]], None]) -> None:
    assert proc.stderr is not None
    lines = StderrLines()
    while chunk := await proc.stderr.read(CHUNK):
        if batch := lines.feed(chunk):
            on_lines(batch)
    if batch := lines.end():
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
