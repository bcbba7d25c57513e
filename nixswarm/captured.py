"""Run a local command (an argv, never a shell) and take its stdout, with a deadline and a reason when it fails."""

from __future__ import annotations

import asyncio
from typing import Any


async def captured(argv: list[str], timeout: float, what: str, **spawn: Any) -> bytes:
    """stdout of argv; RuntimeError naming `what` when it hangs past timeout or fails (with its last stderr line).

    spawn: more arguments for create_subprocess_exec (env, user, group, cwd); OSError when it cannot start."""
    proc = await asyncio.create_subprocess_exec(
        *argv,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        **spawn,
    )
    try:
        out, err = await asyncio.wait_for(proc.communicate(), timeout)
    except TimeoutError:
        proc.kill()
        await proc.wait()
        raise RuntimeError(f"{what} did not answer within {timeout:g} s") from None
    if proc.returncode != 0:
        detail = err.decode("utf-8", "replace").strip().splitlines()
        raise RuntimeError(f"{what} failed: {detail[-1][:300] if detail else f'exit {proc.returncode}'}")
    return out
