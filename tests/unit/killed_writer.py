"""The writer the killed-writer test kills: it stops at one named step of one atomic write and waits for SIGKILL.

Run as `python -m tests.unit.killed_writer TARGET FIRST STOP_AT STEP` from the repository: it writes the payloads
FIRST..STOP_AT with atomic_write, and in the write of STOP_AT it prints `at STEP` on reaching STEP, then blocks on
stdin, so the test's kill lands exactly there however busy the machine is.
"""

from __future__ import annotations

import os
import stat
import sys
from pathlib import Path
from typing import IO, Any

from nixswarm.store.atomic import atomic_write
from tests.unit.atomic_payload import payload

STEPS_BEFORE = ("created", "half-written", "written", "synced")
"""Steps before the replace: temp file made, half its bytes in it, all of them in it, fsynced."""
STEPS_AFTER = ("replaced", "returned")
"""Steps after it: renamed into place (folder not yet fsynced), atomic_write returned."""
STEPS = STEPS_BEFORE + STEPS_AFTER


class Writer:
    """Counts the writes and holds at the chosen step of the chosen one."""

    def __init__(self, stop_at: int, step: str) -> None:
        self.stop_at = stop_at
        self.step = step
        self.index = -1

    def hold(self, step: str) -> None:
        """At the chosen step: say so, then wait to be killed (EOF on stdin means the test is gone: stop)."""
        if step == self.step and self.index == self.stop_at:
            print(f"at {step}", flush=True)
            sys.stdin.buffer.read()
            os._exit(3)


class HalfWay:
    """The temp file's handle: its write puts half the bytes in the file, holds, then writes the rest."""

    def __init__(self, real: IO[Any], writer: Writer) -> None:
        self.real = real
        self.writer = writer

    def __enter__(self) -> HalfWay:
        return self

    def __exit__(self, *exc: object) -> None:
        self.real.close()

    def write(self, data: bytes) -> int:
        half = len(data) // 2
        self.real.write(data[:half])
        self.real.flush()
        self.writer.hold("half-written")
        return half + self.real.write(data[half:])

    def __getattr__(self, name: str) -> Any:
        return getattr(self.real, name)


def main(target: Path, first: int, stop_at: int, step: str) -> None:
    """Write payloads first..stop_at, holding at step in the last one."""
    assert step in STEPS, step
    writer = Writer(stop_at, step)
    fchmod, fsync, fdopen, replace = os.fchmod, os.fsync, os.fdopen, Path.replace

    def fchmod_then_hold(fd: int, mode: int) -> None:
        fchmod(fd, mode)
        writer.hold("created")

    def hold_then_fsync(fd: int) -> None:
        if stat.S_ISREG(os.fstat(fd).st_mode):  # the temp file's fsync; the folder's comes after the replace
            writer.hold("written")
        fsync(fd)

    def half_way(fd: int, *args: Any, **kwargs: Any) -> HalfWay:
        return HalfWay(fdopen(fd, *args, **kwargs), writer)

    def replace_between_holds(self: Path, to: Path) -> Path:
        writer.hold("synced")
        result = replace(self, to)
        writer.hold("replaced")
        return result

    patches = {"fchmod": fchmod_then_hold, "fsync": hold_then_fsync, "fdopen": half_way}
    for name, function in patches.items():  # never undone: this process only writes, then dies
        setattr(os, name, function)
    setattr(Path, "replace", replace_between_holds)  # noqa: B010 - mypy refuses a plain assignment to a method
    for index in range(first, stop_at + 1):
        writer.index = index
        atomic_write(target, payload(index))
        writer.hold("returned")


if __name__ == "__main__":
    main(Path(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), sys.argv[4])
