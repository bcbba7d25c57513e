"""Benchmark figures: the Section each benchmark hands back, kept per section in results.json."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from nixswarm.store.atomic import atomic_write

Figures = dict[str, Any]
"""One section's measured numbers, as JSON: raw samples, their parameters and targets."""

FOLDER = "bench"
"""Next to the markdown file: results.json and the plots; the markdown links to them relatively."""


@dataclass(frozen=True)
class Section:
    """One benchmark's outcome."""

    name: str
    """Its key in bench.run.SECTIONS and in results.json."""
    markdown: str
    """The section of docs/benchmarks.md, from its `## ` heading on."""
    data: Figures
    """The figures behind the markdown, which the plots are drawn from."""


def results_path(folder: Path) -> Path:
    """results.json in folder."""
    return folder / "results.json"


def read_results(folder: Path) -> dict[str, Figures]:
    """Every section's figures kept in folder; none if there is no results.json yet."""
    path = results_path(folder)
    if not path.exists():
        return {}
    found = json.loads(path.read_text())
    if not isinstance(found, dict):
        raise ValueError(f"{path}: expected an object of sections, found {type(found).__name__}")
    return found


def write_results(folder: Path, results: dict[str, Figures]) -> Path:
    """Replace results.json in folder with results, atomically."""
    path = results_path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    atomic_write(path, json.dumps(results, indent=1, sort_keys=True) + "\n", mode=0o644)
    return path
