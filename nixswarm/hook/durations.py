"""Expected build times the scheduler reads: a file the build writes from its history before nix runs.

Sorted lines `<name>\t<host>\t<seconds>`: the median of the name's successful builds on that host, and under host
`*` the median over every host scaled to speed factor 1 (seconds x the speed of the host it ran on). Lines of the
name `*` (no derivation's name: Nix allows no `*` in one) give each host's measured pace instead of seconds. A hook
looks up one name with a byte search, without parsing the rest (it runs once per derivation).
"""

from __future__ import annotations

import math

from nixswarm.hook.readfile import read_whole, replace_whole

ANY = "*"
"""The host field of the speed-1 estimate over every host."""


def drv_name(drv_path: str) -> str:
    """`/nix/store/<hash>-hello-1.0.drv` -> `hello-1.0`, the name the history keeps."""
    name = drv_path.rsplit("/", 1)[-1].removesuffix(".drv")
    head, sep, rest = name.partition("-")
    return rest if sep and len(head) == 32 else name


class Durations:
    """One build's table, read once per hook process and searched per name."""

    def __init__(self, path: str | None) -> None:
        self.path = path
        self._data: bytes | None = None

    def _table(self) -> bytes:
        if self._data is None:
            try:
                self._data = b"\n" + read_whole(self.path) if self.path else b""
            except OSError:
                self._data = b""
        return self._data

    def of(self, name: str) -> dict[str, float]:
        """Host -> expected seconds of name (ANY: at speed 1, any host); {} when the history has none."""
        data = self._table()
        key = b"\n" + name.encode("utf-8", "surrogateescape") + b"\t"
        found: dict[str, float] = {}
        at = data.find(key)
        while at >= 0:
            end = data.find(b"\n", at + 1)
            fields = data[at + len(key) : end if end >= 0 else len(data)].split(b"\t")
            if len(fields) == 2:
                try:
                    seconds = float(fields[1])
                except ValueError:
                    seconds = -1.0
                if math.isfinite(seconds) and seconds >= 0:
                    found[fields[0].decode("utf-8", "replace")] = seconds
            at = data.find(key, at + 1) if end >= 0 else -1
        return found


def render_durations(rows: list[tuple[str, str, float]]) -> str:
    """The file's text: names without tabs or newlines, sorted."""
    clean = [(n, h, s) for n, h, s in rows if "\t" not in n + h and "\n" not in n + h and math.isfinite(s) and s >= 0]
    return "".join(f"{n}\t{h}\t{s:.3f}\n" for n, h, s in sorted(clean))


def write_durations(path: str, rows: list[tuple[str, str, float]]) -> None:
    """Write the table atomically."""
    replace_whole(path, render_durations(rows).encode("utf-8", "surrogateescape"))
