"""The ledger that Nix's concurrent hook processes share: where each derivation went, in a flock'ed folder.

A line per derivation: `<local|remote> <drv path> [<output lock file>...]`; the lock files are kept while a
derivation sent local may still be waiting to start or building, to count the local slots it takes.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os

from nixswarm.hook.readfile import read_whole, replace_whole

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any, TypeVar

    T = TypeVar("T")

LOCK = "ledger.lock"
DATA = "ledger"
STATE = "schedule.json"


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
        return self.schedule(lambda placed, _: change(placed), with_state=False)

    def schedule(self, change: Callable[[Placed, dict[str, Any]], T], *, with_state: bool = True) -> T:
        """Call change on the entries and the scheduler's state (schedule.json, a JSON object) under the lock;
        save what it changed. A state file that is not a JSON object reads as empty."""
        # the folder itself, never its parents: a build folder that was swept away (its nixswarm was killed, its nix
        # builds on) stays gone, and the hook then leaves every choice to the real hook
        with contextlib.suppress(FileExistsError):
            os.mkdir(self.folder, mode=0o700)  # noqa: PTH102 (pathlib costs ~15 ms per hook start)
        lock = os.open(os.path.join(self.folder, LOCK), os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)  # noqa: PTH118
        try:
            fcntl.flock(lock, fcntl.LOCK_EX)
            placed = self._read()
            before = dict(placed)
            state = self._read_state() if with_state else {}
            state_before = json.dumps(state, sort_keys=True) if with_state else ""
            result = change(placed, state)
            if placed != before:
                self._write(DATA, render_ledger(placed))
            if with_state and json.dumps(state, sort_keys=True) != state_before:
                self._write(STATE, json.dumps(state, separators=(",", ":")))
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

    def state(self) -> dict[str, Any]:
        """A snapshot of the scheduler's state (for reports and tests)."""
        return self.schedule(lambda _, state: dict(state))

    def _read_state(self) -> dict[str, Any]:
        try:
            data = json.loads(read_whole(os.path.join(self.folder, STATE)))  # noqa: PTH118
        except (OSError, ValueError):
            return {}
        return data if isinstance(data, dict) else {}

    def _write(self, name: str, text: str) -> None:
        # Nix SIGKILLs idle hooks at the end of a build: a torn ledger must be impossible
        target = os.path.join(self.folder, name)  # noqa: PTH118
        replace_whole(target, text.encode("utf-8", "surrogateescape"), sync=True)
