"""Each builder's measured copy bandwidth: the build writes it as Nix copies store paths to and from the builder
(build/copy_meter.py), the scheduler's hooks read it to weigh what copying a derivation's inputs there costs.

A file in the ledger folder, a line per host: `<name> <bytes per second>`; written whole and atomically. A host
without a line is weighed with score.BANDWIDTH.
"""

from __future__ import annotations

import math
import os

from nixswarm.hook.readfile import read_whole, replace_whole

FILE = "bandwidth"
"""Its name in the ledger folder."""
LOWEST, HIGHEST = 2.0**20, 2.0**34
"""Bytes per second a reading is kept within (1 MiB/s to 16 GiB/s): anything else is a measuring fault."""


def parse_bandwidth(text: str) -> dict[str, float]:
    """name -> bytes per second; malformed lines and readings outside LOWEST-HIGHEST are skipped."""
    rates: dict[str, float] = {}
    for line in text.splitlines():
        fields = line.split(" ")
        if len(fields) != 2 or not fields[0]:
            continue
        try:
            rate = float(fields[1])
        except ValueError:
            continue
        if math.isfinite(rate) and LOWEST <= rate <= HIGHEST:
            rates[fields[0]] = rate
    return rates


def render_bandwidth(rates: dict[str, float]) -> str:
    return "".join(f"{name} {rate:.0f}\n" for name, rate in sorted(rates.items()))


def read_bandwidth(folder: str) -> dict[str, float]:
    """The measured bandwidths in folder's file; {} when there is none yet."""
    try:
        text = read_whole(os.path.join(folder, FILE)).decode("utf-8", "replace")  # noqa: PTH118
    except OSError:
        return {}
    return parse_bandwidth(text)


def write_bandwidth(folder: str, rates: dict[str, float]) -> None:
    """Replace the file atomically (a hook never reads half of it)."""
    replace_whole(os.path.join(folder, FILE), render_bandwidth(rates).encode())  # noqa: PTH118
