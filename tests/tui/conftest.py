"""Fixtures for the TUI tests: the recorded config in the test's home, and the fakes of the core's seams."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.tui.recorded import Fakes, write_config


@pytest.fixture
def fakes(isolated_home: Path) -> Fakes:
    """The recorded inventory's config and approvals written, every seam faked."""
    write_config()
    return Fakes()
