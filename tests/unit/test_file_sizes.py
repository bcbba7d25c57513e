"""Small files with one job each: no source file of nixswarm is over 400 lines."""

from __future__ import annotations

from pathlib import Path

PACKAGE = Path(__file__).parents[2] / "nixswarm"
LIMIT = 400


def test_no_source_file_is_over_400_lines() -> None:
    sizes = {str(p.relative_to(PACKAGE)): len(p.read_text().splitlines()) for p in PACKAGE.rglob("*.py")}
    assert sizes, "no source files found"
    assert {name: n for name, n in sizes.items() if n > LIMIT} == {}
