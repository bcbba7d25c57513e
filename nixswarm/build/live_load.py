"""While nix runs: every builder's load, once a second, through the ssh master the build already has.

One ssh session per host runs a fixed loop (`cat /proc/loadavg` every second) inside the host's master: no new
connection. When a master is gone its session ends, the host's reading goes stale (the scheduler then weighs it
with the load of the check), and the reader tries again every RETRY seconds with `ProxyCommand=false`, so a dead
master costs no network traffic at all.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Sequence

from nixswarm.build.workdir import BuildDir
from nixswarm.hook.loads import parse_loadavg, write_loads
from nixswarm.ssh.alias import alias_for

REMOTE_LOOP = "while cat /proc/loadavg; do sleep 1; done"
"""What each session runs on its builder (a fixed command: nothing from the network is in it)."""
RETRY = 5.0
"""Seconds before a host whose session ended is asked again."""
MAX_LINE = 256
STOP_WAIT = 5.0
"""Seconds the end of a build waits for the sessions to end (each is killed: they end at once)."""


class LoadReader:
    """The readings of every host, kept in the build's loads file for the scheduler's hooks."""

    def __init__(self, names: Sequence[str], where: BuildDir) -> None:
        self.names = tuple(names)
        self.where = where
        self.readings: dict[str, tuple[float, float]] = {}
        """Host -> (1-minute load, time.time() it was read)."""
        self.sessions: dict[str, asyncio.subprocess.Process] = {}
        self.stopping = asyncio.Event()

    def argv(self, name: str) -> list[str]:
        """ssh through the host's master only: ProxyCommand=false fails at once, offline, when there is none."""
        return [
            "ssh",
            "-F",
            str(self.where.ssh_config),
            "-o",
            "ControlMaster=no",
            "-o",
            "ProxyCommand=false",
            "-o",
            "BatchMode=yes",
            alias_for(name),
            REMOTE_LOOP,
        ]

    async def follow(self, name: str) -> None:
        """Read one host until stop(), starting again RETRY seconds after its session ends."""
        while not self.stopping.is_set():
            proc = await asyncio.create_subprocess_exec(
                *self.argv(name),
                stdin=asyncio.subprocess.DEVNULL,
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.DEVNULL,
                limit=MAX_LINE * 4,
            )
            self.sessions[name] = proc
            try:
                if not self.stopping.is_set():  # stop() came while ssh started: it found no session to end
                    await self._read(name, proc)
            finally:
                if proc.returncode is None:
                    proc.kill()
                await _drain(proc)
                await proc.wait()
                self.sessions.pop(name, None)
            if not self.stopping.is_set() and self.readings.pop(name, None) is not None:
                self._save()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.stopping.wait(), RETRY)

    async def _read(self, name: str, proc: asyncio.subprocess.Process) -> None:
        assert proc.stdout is not None
        with contextlib.suppress(ValueError):  # a line longer than the limit: not /proc/loadavg; the session ends
            while line := await proc.stdout.readline():
                load = parse_loadavg(line[:MAX_LINE].decode("ascii", "replace"))
                if load is not None:
                    self.readings[name] = (load, time.time())
                    self._save()

    def stop(self) -> None:
        """End every session: each follow() then returns on its own, never cancelled while it starts ssh (Python
        3.11's subprocess start, cancelled halfway, waits forever: python/cpython#103847)."""
        self.stopping.set()
        for proc in list(self.sessions.values()):
            if proc.returncode is None:
                proc.kill()

    def _save(self) -> None:
        with contextlib.suppress(OSError):
            write_loads(str(self.where.loads), self.readings)


async def _drain(proc: asyncio.subprocess.Process) -> None:
    """Read what is left of a killed session's output: a reader paused on an overlong line never sees the pipe
    close, and wait() would wait for it forever."""
    if proc.stdout is not None:
        with contextlib.suppress(OSError, ValueError):
            while await proc.stdout.read(65536):
                pass


@contextlib.asynccontextmanager
async def live_loads(names: Sequence[str], where: BuildDir) -> AsyncIterator[LoadReader]:
    """Follow every named host while the block runs; every session is stopped when it ends."""
    reader = LoadReader(names, where)
    tasks = [asyncio.create_task(reader.follow(n)) for n in reader.names]
    try:
        yield reader
    finally:
        reader.stop()
        if tasks:
            await asyncio.shield(asyncio.wait(tasks, timeout=STOP_WAIT))
