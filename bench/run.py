"""Run every benchmark against the lab and write docs/benchmarks.md, with its figures and plots in docs/bench/
(needs root, like the lab)."""

from __future__ import annotations

import argparse
import importlib.util
import os
import platform
import time
from collections.abc import Callable
from pathlib import Path

from bench import (
    build_bench,
    eta_bench,
    history_bench,
    log_bench,
    lookahead_bench,
    placement_bench,
    plots,
    scan_bench,
    soak,
    transport_bench,
    tui_bench,
    versions_bench,
    weight_bench,
)
from bench.results import FOLDER, Section, read_results, write_results
from nixswarm.store.atomic import atomic_write

SECTIONS: dict[str, Callable[[], Section]] = {
    "scan": scan_bench.run,
    "build": build_bench.run,
    "versions": versions_bench.run,
    "weight": weight_bench.run,
    "placement": placement_bench.run,
    "transport": transport_bench.run,
    "tui": tui_bench.run,
    "soak": soak.run,
    "history": history_bench.run,
    "eta": eta_bench.run,
    "log": log_bench.run,
    "lookahead": lookahead_bench.run,
}

TITLES = {
    "scan": "Scan",
    "build": "Build",
    "versions": "Nix versions",
    "weight": "Local weight",
    "placement": "Placement",
    "transport": "Transport",
    "tui": "TUI",
    "soak": "Soak",
    "history": "Cost of the build history",
    "eta": "ETA",
    "log": "Log throughput",
    "lookahead": "Look ahead",
}
"""How each section's heading starts, to keep the sections not re-run."""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("only", nargs="*", help=f"sections to run: {', '.join(SECTIONS)} (default all)")
    parser.add_argument("--out", default=str(Path(__file__).parents[1] / "docs" / "benchmarks.md"))
    args = parser.parse_args()
    chosen = args.only or list(SECTIONS)
    unknown = set(chosen) - set(SECTIONS)
    if unknown:
        parser.error(f"unknown section(s): {', '.join(sorted(unknown))}")
    if importlib.util.find_spec("matplotlib") is None:
        parser.error("the plots need matplotlib: pip install -e '.[bench]'")
    done = []
    for name in chosen:
        started = time.monotonic()
        section = SECTIONS[name]()
        if section.name != name:
            raise RuntimeError(f"section {name} came back as {section.name!r}")
        done.append(section)
        print(f"{name}: {time.monotonic() - started:.1f} s", flush=True)
    _write(Path(args.out), done)


def _write(out: Path, done: list[Section]) -> None:
    """The markdown, results.json and the plots, each merged with the sections not re-run."""
    folder = out.parent / FOLDER
    results = read_results(folder) | {s.name: s.data for s in done}
    print(f"wrote {write_results(folder, results)}")
    for path in plots.render(results, folder):
        print(f"wrote {path}")
    header = (
        f"# Benchmarks\n\nWritten by `sudo .venv/bin/python -m bench.run` on {platform.node()} "
        f"({os.cpu_count()} cores, {platform.python_version()}), {time.strftime('%Y-%m-%d')}. "
        "Every figure is measured against the lab (tests/lab): builders in network namespaces on this "
        f"machine, each with its own sshd and Nix store. The raw samples are in [{FOLDER}/results.json]"
        f"({FOLDER}/results.json); `python -m bench.plots` draws the plots again from it.\n"
    )
    sections = _existing(out) | {s.name: s.markdown for s in done}
    body = "\n\n".join(sections[n] for n in SECTIONS if n in sections)
    atomic_write(out, f"{header}\n{body}\n", mode=0o644)
    print(f"wrote {out}")


def _existing(out: Path) -> dict[str, str]:
    """Sections already in the file, so running one benchmark keeps the others' figures."""
    if not out.exists():
        return {}
    found = {}
    for chunk in out.read_text().split("\n## ")[1:]:
        for name, title in TITLES.items():
            if chunk.startswith(title):
                found[name] = "## " + chunk.strip()
    return found


if __name__ == "__main__":
    main()
