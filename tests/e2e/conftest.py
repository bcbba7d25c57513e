"""Fixtures of the end-to-end suite: a real lab, or a clear failure (in CI) or skip (NIXSWARM_SKIP_LAB=1)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import ExitStack

import pytest

from tests.e2e.helpers import MakeLab, open_lab, remove_runtime_dirs, unavailable
from tests.lab import BuilderSpec, Lab, LabUnavailable


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/e2e/" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)


@pytest.fixture
def make_lab() -> Iterator[MakeLab]:
    """Factory: make_lab([BuilderSpec(), ...]); every lab is torn down after the test, also on failure."""
    with ExitStack() as stack:

        def make(specs: list[BuilderSpec]) -> Lab:
            if os.environ.get("NIXSWARM_SKIP_LAB") == "1":
                unavailable("requested")
            try:
                return stack.enter_context(Lab(specs))
            except LabUnavailable as err:
                unavailable(str(err))
                raise

        yield make


@pytest.fixture(scope="module")
def lab3() -> Iterator[Lab]:
    """Three healthy builders, shared by the tests of one module (each test uses its own salt)."""
    with open_lab([BuilderSpec(), BuilderSpec(), BuilderSpec()]) as lab:
        yield lab


@pytest.fixture(scope="session", autouse=True)
def _remove_runtime_dirs() -> Iterator[None]:
    yield
    remove_runtime_dirs()
