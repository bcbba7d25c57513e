"""The ledger that Nix's concurrent hook processes share: where each derivation went, in a flock'ed folder.

A line per derivation: `<local|remote> <drv path> [<output lock file>...]`; the lock files are kept while a
derivation sent local may still be waiting to start or building, to count the local slots it takes.
"""

from __future__ import annotations

import fcntl
import os

from nixswarm.hook.readfile import read_whole

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import TypeVar

    T = TypeVar("T")

LOCK = "ledger.lock"
DATA = "ledger"


Placed = dict[str, tuple[str, tuple[str, ...]]]
"""drv path -> (where, output lock files while it may occupy a local slot)."""


def parse_ledger(text: str) -> Placed:
    """The ledger's lines; anything else is skipped."""
    placed: Placed = {}
    for line in text.splitlines():
        fields = line.split(" ")
        if len(fields) >= 2 and fields[0] and fields[1]:
            placed[fields[1]] = (fields[0], tuple(fields[2:]))
    return placed


def render_ledger(placed: Placed) -> str:
    return "".join(" ".join((where, drv, *locks)) + "\n" for drv, (where, locks) in placed.items())


class Ledger:
    """One folder per nixswarm build; every read-modify-write holds an exclusive flock on ledger.lock."""

    def __init__(self, folder: str) -> None:
        self.folder = folder

    def update(self, change: Callable[[Placed], T]) -> T:
        """Call change on the current entries under the lock; save them (atomically) if it changed them."""
        os.makedirs(self.folder, mode=0o700, exist_ok=True)  # noqa: PTH103 (pathlib costs ~15 ms per hook start)
        lock = os.open(os.path.join(self.folder, LOCK), os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)  # noqa: PTH118
        try:
            fcntl.flock(lock, fcntl.LOCK_EX)
            placed = self._read()
            before = dict(placed)
            result = change(placed)
            if placed != before:
                self._write(placed)
            return result
        finally:
            os.close(lock)

    def entries(self) -> Placed:
        """A snapshot (for reports and tests)."""
        return self.update(dict)

    def _read(self) -> Placed:
        try:
            data = read_whole(os.path.join(self.folder, DATA))  # noqa: PTH118
        except FileNotFoundError:
            return {}
        return parse_ledger(data.decode("utf-8", "surrogateescape"))

    def _write(self, placed: Placed) -> None:
        # Nix SIGKILLs idle hooks at the end of a build: a torn ledger must be impossible
        target = os.path.join(self.folder, DATA)  # noqa: PTH118
        temp = f"{target}.{os.getpid()}.tmp"
        fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC, 0o600)
        try:
            data = memoryview(render_ledger(placed).encode("utf-8", "surrogateescape"))
            while data:
                data = data[os.write(fd, data) :]
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(temp, target)  # noqa: PTH105
