"""The TUI, headless: the first frame (cold process and warm), and the host table under 200 hosts' load refreshes."""

from __future__ import annotations

import asyncio
import compileall
import statistics
import subprocess
import sys
from pathlib import Path

import nixswarm
from bench.plots import link
from bench.results import Section
from bench.stats import summary
from bench.tui_harness import first_frame, table_updates

ROUNDS = 5
HOSTS = 200
REFRESHES = 60
TARGETS = {"first_frame_s": 0.5, "update_ms": 16.0}
COLD = """
import time
started = time.perf_counter()
import asyncio
from bench.tui_harness import first_frame
print(asyncio.run(first_frame(started)))
"""


def _as_installed() -> None:
    """Bytecode for nixswarm, as `pip install` leaves it (an editable install under PYTHONDONTWRITEBYTECODE has
    none, and compiling 150 modules at every start is not what a user's start costs)."""
    compileall.compile_dir(Path(nixswarm.__file__).parent, quiet=1)


def _cold() -> float:
    """A new interpreter: importing Textual and nixswarm, building the app, drawing the table once."""
    done = subprocess.run([sys.executable, "-c", COLD], capture_output=True, text=True, check=True, timeout=120)
    return float(done.stdout.split()[-1])


def _ms(samples: list[float]) -> str:
    return f"{statistics.median(samples):.1f} ({min(samples):.1f}-{max(samples):.1f})"


def run() -> Section:
    """The markdown section and its samples."""
    _as_installed()
    cold = [_cold() for _ in range(ROUNDS)]
    warm = [asyncio.run(first_frame()) for _ in range(ROUNDS)]
    updates = asyncio.run(table_updates(HOSTS, REFRESHES))
    markdown = "\n".join(
        [
            "## TUI: first frame and live host table",
            "",
            f"Headless (Textual's test driver, no terminal output), {ROUNDS} runs each. *First "
            "frame*: from the first line "
            "of a new interpreter (Textual and nixswarm imported from their bytecode, as pip installs them; app built, "
            "host table drawn once), and again with "
            f"imports warm. *Table update*: {HOSTS} hosts whose loads all change at once, as a refresh every second "
            "brings them: each host's message made and handled, the changed lines marked, then the visible table "
            "repainted (only changed rows are drawn again); the probe answers themselves are made before the clock "
            f"starts. {REFRESHES} rounds at 160x60; the VM's speed drifts between runs, so compare figures of one run. "
            f"Targets: first frame <= {TARGETS['first_frame_s']} s, every table "
            f"update <= {TARGETS['update_ms']:.0f} ms.",
            "",
            "| measure | median (min-max) |",
            "|---|---:|",
            f"| first frame, new process, s | {summary(cold)} |",
            f"| first frame, imports warm, s | {summary(warm)} |",
            f"| {HOSTS} load updates + repaint, ms | {_ms(updates.rounds)} |",
            f"| slowest single host update, ms | {updates.worst_message:.2f} |",
            "",
            link("tui_first_frame"),
            "",
            link("tui_updates"),
        ]
    )
    first_frame_s = {"new process": cold, "imports warm": warm}
    data = {
        "rounds": ROUNDS,
        "hosts": HOSTS,
        "targets": TARGETS,
        "first_frame_s": first_frame_s,
        "update_ms": updates.rounds,
        "worst_message_ms": updates.worst_message,
    }
    return Section("tui", markdown, data)


if __name__ == "__main__":
    print(run().markdown)
