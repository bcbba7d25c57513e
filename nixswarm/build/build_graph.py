"""The derivations a build will build and what each needs, for the ETA's critical path.

Nix says which derivations it will build (`these N derivations will be built:`, then one message per .drv, the
same on Nix 2.8, 2.26 and 2.34) when asked with `-v` or a dry run (dry_plan.py). Their .drv files are local; each
names its input derivations. The graph is read in a thread of its own once the list is complete, so no view
waits for it.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Mapping

from nixswarm.hook.drvfile import DrvError
from nixswarm.hook.drvinputs import parse_inputs
from nixswarm.hook.readfile import read_whole

HEADER = re.compile(r"(these \d+ derivations|this derivation) will be built:")
ITEM = re.compile(r"  (/nix/store/[0-9a-z]{32}-[^\s/]+\.drv)")
MAX_DRVS = 20_000
"""A build with more planned derivations gets no graph (the ETA falls back to its rule without one)."""


class BuildGraph:
    """The planned derivations (from Nix's messages) and, once read, the planned inputs of each."""

    def __init__(self) -> None:
        self.planned: list[str] = []
        self._listing = False
        self._deps: dict[str, tuple[str, ...]] | None = None
        self._lock = threading.Lock()

    def message(self, text: str, *, read: bool = True) -> None:
        """One info message of Nix; the list ends at the first message that is not one of its lines (and with
        read, its .drv files are then read)."""
        if HEADER.fullmatch(text):
            self._listing = bool(not self.planned)
            return
        if self._listing and (found := ITEM.fullmatch(text)) and len(self.planned) < MAX_DRVS:
            self.planned.append(found.group(1))
            return
        if self._listing:
            self._listing = False
            if read:
                self._read_later()

    def started(self) -> None:
        """A build started: a list Nix printed is complete."""
        if self._listing:
            self._listing = False
            self._read_later()

    def set_planned(self, drvs: list[str]) -> None:
        """The list from a dry run (dry_plan.py), when Nix itself printed none: read its graph."""
        if not self.planned and drvs:
            self.planned = drvs[:MAX_DRVS]
            self._read_later()

    def deps(self) -> dict[str, tuple[str, ...]] | None:
        """Planned derivation -> the planned derivations it needs; None until read (or with no list)."""
        with self._lock:
            return self._deps

    def _read_later(self) -> None:
        if self.planned:
            threading.Thread(target=self._read, args=(list(self.planned),), daemon=True).start()

    def _read(self, planned: list[str]) -> None:
        wanted = set(planned)
        deps: dict[str, tuple[str, ...]] = {}
        for drv in planned:
            try:
                inputs, _ = parse_inputs(read_whole(drv))
            except (OSError, DrvError, IndexError):
                inputs = []
            deps[drv] = tuple(d for d, _ in inputs if d in wanted)
        with self._lock:
            self._deps = deps


def critical_path(
    deps: Mapping[str, tuple[str, ...]], remaining: Mapping[str, float], memo: dict[str, float] | None = None
) -> float:
    """The longest chain of remaining seconds through the graph (derivations not in remaining have ended)."""
    finish: dict[str, float] = {} if memo is None else memo
    expanded: set[str] = set()
    longest = 0.0
    for drv in remaining:
        stack = [drv]
        while stack:  # iterative depth-first: deep graphs never hit the recursion limit
            top = stack[-1]
            if top in finish:
                stack.pop()
                continue
            pending = [d for d in deps.get(top, ()) if d in remaining and d not in finish]
            if pending and top not in expanded:  # expanded once: a cycle (never in Nix) cannot loop
                expanded.add(top)
                stack.extend(pending)
                continue
            before = max((finish[d] for d in deps.get(top, ()) if d in finish), default=0.0)
            finish[top] = before + remaining[top]
            stack.pop()
        longest = max(longest, finish[drv])
    return longest
