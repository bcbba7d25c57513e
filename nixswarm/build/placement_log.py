"""Why the scheduler sent each derivation where it builds, read as the hooks append it (placements.jsonl)."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

MAX_READ = 1 << 20
"""Bytes read per call at most: a view never stalls on a huge log."""


class PlacementLog:
    """Reads the new complete lines of one build's placement log whenever asked about a derivation."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._offset = 0
        self._whys: dict[str, str] = {}

    def why(self, drv: str) -> str:
        """The last reason given for drv ("" when none was logged: Nix's own hook, or no scheduler)."""
        self._read_new()
        return self._whys.get(drv, "")

    def _read_new(self) -> None:
        try:
            with self.path.open("rb") as log:
                log.seek(self._offset)
                data = log.read(MAX_READ)
        except OSError:
            return
        complete = data[: data.rfind(b"\n") + 1]
        self._offset += len(complete)
        for record in decisions(complete.splitlines()):
            self._whys[record["drv"]] = record["why"][:300]


def decisions(lines: Iterable[bytes | str]) -> Iterator[dict[str, Any]]:
    """The scheduler's decisions in these lines of its log, in order: objects with a string `drv` and `why` (a
    torn or foreign line is skipped)."""
    for line in lines:
        try:
            record = json.loads(line)
        except ValueError:
            continue
        if isinstance(record, dict) and isinstance(record.get("drv"), str) and isinstance(record.get("why"), str):
            yield record


def no_reason(drv: str) -> str:
    """For builds without the scheduler."""
    return ""
