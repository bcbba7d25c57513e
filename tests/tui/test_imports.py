"""Importing nixswarm.tui loads no Textual until the app itself is asked for (package walkers stay UI-free)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CODE = """
import sys
import nixswarm.tui, nixswarm.tui.jobs, nixswarm.tui.screens, nixswarm.tui.widgets
print("textual" in sys.modules)
nixswarm.tui.make_app
print("textual" in sys.modules)
"""


def test_the_package_loads_textual_only_when_make_app_is_used() -> None:
    done = subprocess.run(
        [sys.executable, "-c", CODE], capture_output=True, text=True, cwd=ROOT, timeout=60, check=True
    )
    assert done.stdout.split() == ["False", "True"]
