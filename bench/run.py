"""Run every benchmark against the lab and write docs/benchmarks.md (needs root, like the lab)."""

from __future__ import annotations

import argparse
import os
import platform
import time
from pathlib import Path

from bench import build_bench, scan_bench, soak, transport_bench, tui_bench, weight_bench

SECTIONS = {
    "scan": scan_bench.run,
    "build": build_bench.run,
    "weight": weight_bench.run,
    "transport": transport_bench.run,
    "tui": tui_bench.run,
    "soak": soak.run,
}

TITLES = {
    "scan": "Scan",
    "build": "Build",
    "weight": "Local weight",
    "transport": "Transport",
    "tui": "TUI",
    "soak": "Soak",
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
    parts = []
    for name in chosen:
        started = time.monotonic()
        parts.append(SECTIONS[name]())
        print(f"{name}: {time.monotonic() - started:.1f} s", flush=True)
    header = (f"# Benchmarks\n\nWritten by `sudo .venv/bin/python -m bench.run` on {platform.node()} "
              f"({os.cpu_count()} cores, {platform.python_version()}), {time.strftime('%Y-%m-%d')}. "
              "Every figure is measured against the lab (tests/lab): builders in network namespaces on this "
              "machine, each with its own sshd and Nix store.\n")  # fmt: skip
    out = Path(args.out)
    sections = _existing(out) | dict(zip(chosen, parts, strict=True))
    out.write_text(header + "\n" + "\n\n".join(sections[n] for n in SECTIONS if n in sections) + "\n")
    print(f"wrote {args.out}")


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
