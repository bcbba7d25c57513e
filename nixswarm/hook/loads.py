"""The live loads file: the build's load reader writes each host's 1-minute load as it reads it, the hooks read it.

A line per host: `<name> <load1> <unix time read>`; written whole and atomically.
"""

from __future__ import annotations

import math
import re

from nixswarm.hook.readfile import read_whole, replace_whole

FRESH = 5.0
"""Seconds a reading stays usable: an older one (its master died) counts as unknown."""
LOADAVG = re.compile(r"(\d{1,6}\.\d{1,3}) \d{1,6}\.\d{1,3} \d{1,6}\.\d{1,3} \d{1,9}/\d{1,9} \d{1,10}", re.ASCII)
"""A /proc/loadavg line (1-, 5-, 15-minute loads, running/total tasks, last pid)."""


def parse_loadavg(line: str) -> float | None:
    """The 1-minute load of a /proc/loadavg line; None for anything else."""
    match = LOADAVG.fullmatch(line.strip())
    return float(match.group(1)) if match else None


def parse_loads(text: str) -> dict[str, tuple[float, float]]:
    """name -> (load, when read); malformed lines are skipped."""
    loads: dict[str, tuple[float, float]] = {}
    for line in text.splitlines():
        fields = line.split(" ")
        if len(fields) != 3:
            continue
        try:
            load, at = float(fields[1]), float(fields[2])
        except ValueError:
            continue
        if math.isfinite(load) and math.isfinite(at) and load >= 0:
            loads[fields[0]] = (load, at)
    return loads


def render_loads(loads: dict[str, tuple[float, float]]) -> str:
    return "".join(f"{name} {load:.2f} {at:.3f}\n" for name, (load, at) in sorted(loads.items()))


def read_loads(path: str, now: float) -> dict[str, float]:
    """The fresh readings of the loads file; {} when it is missing or unreadable."""
    try:
        text = read_whole(path).decode("utf-8", "replace")
    except OSError:
        return {}
    return {name: load for name, (load, at) in parse_loads(text).items() if 0 <= now - at <= FRESH}


def write_loads(path: str, loads: dict[str, tuple[float, float]]) -> None:
    """Replace the file atomically (a hook never reads half of it)."""
    replace_whole(path, render_loads(loads).encode())
