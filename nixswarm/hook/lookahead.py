"""What else is ready to build, and how urgent each is: the scheduler's look ahead past the derivation offered.

Nix offers derivations one at a time in an order of its own. Once a dry run beside the build has listed the
planned derivations, the build writes this file in the hook's folder (build/lookahead_file.py): a line per planned
derivation, most urgent first, `<drv>\t<system>\t<priority>\t<inputs>\t<outputs>\t<features>`, inputs,
outputs and required system features separated by spaces. Priority is its bottom level: its own expected seconds
plus the longest chain of expected seconds among the derivations that need it, so the derivation on the critical
path comes first.

A derivation is a rival of the one offered when it is planned, ready (every planned input's outputs are in the
local store: built here or copied back), not built yet, not placed by this build, of the same system, and more
urgent (a higher priority: equals are no rivals). The scheduler keeps the free slots where rivals would finish
soonest for them (reserve.py), on hosts that have every feature a rival requires.
"""

from __future__ import annotations

import math
import os

from nixswarm.hook.readfile import read_whole

FILE = "lookahead.tsv"
"""Its name in the ledger folder."""
MAX_DRVS = 3000
"""A larger plan gets no file (reading it in every hook would cost more than it saves)."""


class Entry:
    """One planned derivation (no dataclass: see score.Score)."""

    __slots__ = ("features", "inputs", "outputs", "priority", "system")

    def __init__(
        self,
        system: str,
        priority: float,
        inputs: tuple[str, ...],
        outputs: tuple[str, ...],
        features: tuple[str, ...] = (),
    ) -> None:
        self.system = system
        self.priority = priority
        self.inputs = inputs
        """Its planned input derivations."""
        self.outputs = outputs
        self.features = features
        """Its requiredSystemFeatures: a host that lacks one cannot take it."""


def render(entries: dict[str, Entry]) -> bytes:
    """The file's bytes, most urgent first (paths hold no tabs, spaces or newlines: callers pass store paths
    only). A hook then parses only the lines before the offered derivation's own."""
    ordered = sorted(entries.items(), key=lambda item: (-round(item[1].priority, 3), item[0]))
    lines = [
        f"{drv}\t{e.system}\t{e.priority:.3f}\t{' '.join(e.inputs)}\t{' '.join(e.outputs)}\t{' '.join(e.features)}\n"
        for drv, e in ordered
    ]
    return "".join(lines).encode("utf-8", "surrogateescape")


def parse(data: bytes) -> dict[str, Entry]:
    """The entries of the file; a malformed line is left out."""
    entries: dict[str, Entry] = {}
    for line in data.decode("utf-8", "surrogateescape").split("\n"):
        fields = line.split("\t")
        if len(fields) != 6 or not fields[0].startswith("/nix/store/"):
            continue
        try:
            priority = float(fields[2])
        except ValueError:
            continue
        if not 0 <= priority < math.inf:  # NaN, negative or infinite
            continue
        entries[fields[0]] = Entry(
            fields[1], priority, tuple(fields[3].split()), tuple(fields[4].split()), tuple(fields[5].split())
        )
    return entries


class Lookahead:
    """The plan as one hook process sees it: read when it appears or changes; outputs seen once stay built."""

    def __init__(self, folder: str) -> None:
        self.path = os.path.join(folder, FILE)  # noqa: PTH118
        self._stamp: tuple[int, int] | None = None
        self._data = b""
        self.entries: dict[str, Entry] = {}
        """The entries parsed for the last question: the offered derivation's and those before it."""
        self._built: set[str] = set()

    def _read(self) -> bytes:
        """The file's bytes (b"" before it is written), read again when it changes."""
        try:
            st = os.stat(self.path)  # noqa: PTH116
        except OSError:
            return self._data
        stamp = (st.st_mtime_ns, st.st_size)
        if stamp != self._stamp:
            try:
                self._data = read_whole(self.path)
                self._stamp = stamp
            except OSError:
                pass
        return self._data

    def _up_to(self, drv: str) -> tuple[Entry | None, dict[str, Entry]]:
        """drv's entry, and the entries of the lines before its own (as urgent or more); None when unplanned."""
        data = self._read()
        key = drv.encode("utf-8", "surrogateescape") + b"\t"
        at = 0 if data.startswith(key) else data.find(b"\n" + key) + 1
        if at == 0 and not data.startswith(key):
            return None, {}
        end = data.find(b"\n", at)
        own = parse(data[at : end if end >= 0 else len(data)]).get(drv)
        return own, parse(data[:at]) if own is not None else {}

    def built(self, drv: str) -> bool:
        """Every output of drv is in the local store (never true for a derivation without known outputs)."""
        if drv in self._built:
            return True
        entry = self.entries.get(drv)
        if entry is None or not entry.outputs:
            return False
        if all(os.path.exists(out) for out in entry.outputs):  # noqa: PTH110
            self._built.add(drv)
            return True
        return False

    def rivals(self, drv: str, system: str, placed: set[str]) -> list[tuple[float, str]]:
        """The ready, unbuilt, unplaced derivations more urgent than drv, most urgent first, as (priority, drv);
        [] when drv is not in the plan."""
        own, ahead = self._up_to(drv)
        if own is None:
            return []
        self.entries = {**ahead, drv: own}
        found = []
        for other, entry in ahead.items():
            if entry.priority <= own.priority or other in placed or entry.system != system:
                continue
            if self.built(other) or not all(self.built(i) for i in entry.inputs):
                continue
            found.append((entry.priority, other))
        found.sort(reverse=True)
        return found
