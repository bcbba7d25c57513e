"""Each builder's copy bandwidth, measured from the copies Nix makes during the build, for the scheduler.

Nix reports every store path it copies to a builder (its inputs) or back (the outputs) as an activity of type 100
(actCopyPath) whose fields are the path, the source and the destination store (`local`, `ssh-ng://nixswarm-b1`).
Nix 2.26 names the builder's store `ssh-ng://` alone there; such a copy belongs to the builder of the one
"copying dependencies to '<machine>'" or "copying outputs from '<machine>'" activity open at the time (all three
versions report those), and is left out when several are open. The meter times each copy from its start to its
stop, takes the path's size in the local store, and gives each host its bytes over the time its copies of at
least MIN_BYTES took (their union: parallel copies count once). Once a host has moved ENOUGH_BYTES that way, its
figure goes to the hooks (hook/bandwidth.py), in place of the assumed score.BANDWIDTH. Sizes are read in a thread
of the meter's own, never in the log path.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import json
import re
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from nixswarm.hook.bandwidth import HIGHEST, LOWEST, write_bandwidth
from nixswarm.hook.drvinputs import STORE_PATH
from nixswarm.hook.sizes import path_bytes

START = '@nix {"action":"start",'
STOP = '@nix {"action":"stop","id":'
EITHER = (START, STOP)
_STOP_ID = re.compile(r'@nix \{"action":"stop","id":(\d{1,20})\}')
_PHASE = re.compile(r"copying (?:dependencies to|outputs from) '(.+)'", re.DOTALL)
"""The hook's activities around its copies to and from a machine (Nix 2.8 to 2.34)."""
HOSTLESS = frozenset({"ssh://", "ssh-ng://"})
"""How Nix 2.26 names a builder's store in its copy records."""
MIN_BYTES = 1 << 20
"""Smaller copies are mostly round trips, not bandwidth: they are left out."""
ENOUGH_BYTES = 16 << 20
"""Bytes a host must have moved in such copies before its figure is used."""


class CopyMeter:
    """Fed nix's stderr lines; keeps the bandwidth file in folder current."""

    def __init__(
        self,
        machines: Mapping[str, str],
        folder: Path,
        *,
        size: Callable[[str], int] = path_bytes,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """machines: Nix's name of each builder (its store URI) -> the host's name."""
        self.machines = dict(machines)
        self.folder = folder
        self.size = size
        self.clock = clock
        self._open: dict[int, tuple[str, str, float]] = {}
        """Copy activity id -> (host, path, start)."""
        self._phases: dict[int, str] = {}
        """Open "copying dependencies to" / "copying outputs from" activity id -> its host."""
        self._copies: dict[str, list[tuple[float, float, int]]] = {}
        """Host -> (start, end, bytes) of its copies of at least MIN_BYTES (only the one worker thread touches it)."""
        self._worker = concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix="copy-meter")
        self.rates: dict[str, float] = {}
        """Host -> bytes per second, as last written."""

    def lines(self, texts: Sequence[str]) -> None:
        """A batch of nix's stderr lines (only copy activities are looked at)."""
        for text in [t for t in texts if t.startswith(EITHER)]:  # one pass in C over a chatty build's lines
            if text.startswith(START):
                self._started(text)
            elif self._open or self._phases:
                self._stopped(text)

    def close(self) -> None:
        """No more lines: let the measuring thread finish what it has."""
        self._worker.shutdown(wait=False, cancel_futures=True)

    def wait(self) -> None:
        """Until every ended copy is measured (tests)."""
        self._worker.submit(lambda: None).result()

    def _started(self, text: str) -> None:
        if '"type":100' not in text and "copying " not in text:
            return
        try:
            data = json.loads(text[5:])
        except ValueError:
            return
        if not isinstance(data, dict) or not isinstance(act := data.get("id"), int):
            return
        if data.get("type") == 0 and isinstance(said := data.get("text"), str):
            if (phase := _PHASE.fullmatch(said)) and (host := self.machines.get(phase.group(1))) is not None:
                self._phases[act] = host
            return
        fields = data.get("fields")
        if data.get("type") != 100 or not isinstance(fields, list) or len(fields) != 3:
            return
        path, source, destination = fields
        if isinstance(path, str) and STORE_PATH.fullmatch(path) and (host := self._host(source, destination)):
            self._open[act] = (host, path, self.clock())

    def _host(self, source: object, destination: object) -> str | None:
        """The builder a copy goes to or comes from; None for any other copy (a substitute, a local one)."""
        for store in (destination, source):
            if isinstance(store, str) and (host := self.machines.get(store)) is not None:
                return host
        if destination in HOSTLESS or source in HOSTLESS:  # Nix 2.26: the builder of the one open copying phase
            hosts = set(self._phases.values())
            return hosts.pop() if len(hosts) == 1 else None
        return None

    def _stopped(self, text: str) -> None:
        match = _STOP_ID.fullmatch(text)
        if match is None:
            return
        act = int(match.group(1))
        self._phases.pop(act, None)
        if (copy := self._open.pop(act, None)) is None:
            return
        host, path, start = copy
        end = self.clock()
        with contextlib.suppress(RuntimeError):  # closed: the build is over
            self._worker.submit(self._measure, host, path, start, end)

    def _measure(self, host: str, path: str, start: float, end: float) -> None:
        size = self.size(path)
        if size < MIN_BYTES or end <= start:
            return
        copies = self._copies.setdefault(host, [])
        copies.append((start, end, size))
        rate = bandwidth(copies)
        if rate is None:
            return
        self.rates[host] = rate
        with contextlib.suppress(OSError):  # the build's folder is gone: the build is over
            write_bandwidth(str(self.folder), self.rates)


def bandwidth(copies: Sequence[tuple[float, float, int]]) -> float | None:
    """Bytes per second over the union of the copies' times; None until ENOUGH_BYTES have moved (or outside
    hook/bandwidth.py's bounds)."""
    moved = sum(size for _, _, size in copies)
    if moved < ENOUGH_BYTES:
        return None
    busy = 0.0
    reach = float("-inf")
    for start, end, _ in sorted(copies):
        if end > reach:
            busy += end - max(start, reach)
            reach = end
    if busy <= 0:
        return None
    rate = moved / busy
    return rate if LOWEST <= rate <= HIGHEST else None
