"""Start and stop exactly the processes the lab owns: by pid, checked against /proc."""

from __future__ import annotations

import contextlib
import os
import select
import signal
import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from typing import IO


def run(argv: list[str], *, check: bool = True, **kwargs: object) -> subprocess.CompletedProcess[str]:
    """Run an argv (never a shell string), capturing text output."""
    return subprocess.run(argv, check=check, capture_output=True, text=True, **kwargs)  # type: ignore[call-overload, no-any-return]


def cmdline(pid: int) -> str:
    """The command line of pid, or '' if it is gone."""
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


def stop(pid: int, marker: str, timeout: float = 3.0) -> None:
    """SIGTERM then SIGKILL pid, only if its command line still contains marker (pids wrap)."""
    if marker not in cmdline(pid):
        return
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(ChildProcessError):
            os.waitpid(pid, os.WNOHANG)
        if marker not in cmdline(pid):
            return
        time.sleep(0.02)
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pid, 0)


def read_until(stream: IO[str], done: Callable[[bytes], bool], timeout: float) -> bytes:
    """Read a child's pipe raw (no buffer hides lines from select) until done(what was read), EOF or timeout."""
    fd = stream.fileno()
    seen = b""
    deadline = time.monotonic() + timeout
    while not done(seen) and (left := deadline - time.monotonic()) > 0:
        ready, _, _ = select.select([fd], [], [], left)
        if not ready:
            break
        chunk = os.read(fd, 65536)
        if not chunk:
            break
        seen += chunk
    return seen
