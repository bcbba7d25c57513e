"""Nix's stderr is cut into the same lines however its chunks fall, a line too long to keep is dropped whole."""

from __future__ import annotations

import asyncio
import itertools
import os
from collections.abc import Sequence

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nixswarm.build import stderr_lines
from nixswarm.build.runner import run_nix
from nixswarm.build.stderr_lines import StderrLines


def read(chunks: list[bytes]) -> list[str]:
    lines = StderrLines()
    return [line for chunk in chunks for line in lines.feed(chunk)] + lines.end()


def one_by_one(data: bytes) -> list[str]:
    """The lines as reading one line at a time gives them (the last one even without a newline)."""
    parts = data.split(b"\n")
    return [part.decode("utf-8", "replace") for part in (parts if parts[-1] else parts[:-1])]


BYTES = st.lists(st.sampled_from([b"\n", b"@nix {}", "é😀".encode(), b"\xff", b"\xe2\x82", b"\r", b""]), max_size=40)


@settings(max_examples=400)
@given(BYTES.map(b"".join), st.lists(st.integers(min_value=0, max_value=200), max_size=8))
def test_the_lines_do_not_depend_on_where_the_chunks_fall(data: bytes, cuts: list[int]) -> None:
    edges = sorted({0, len(data), *(c % (len(data) + 1) for c in cuts)})
    chunks = [data[a:b] for a, b in itertools.pairwise(edges)]
    assert read(chunks) == one_by_one(data)


def test_empty_lines_and_carriage_returns_are_kept_as_nix_wrote_them() -> None:
    assert read([b"a\n\nb\r\n", b"c"]) == ["a", "", "b\r", "c"]


def test_a_line_over_the_limit_is_dropped_and_the_next_ones_are_kept(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(stderr_lines, "MAX_LINE", 10)
    assert read([b"ok\n" + b"x" * 8, b"x" * 8, b"x" * 8 + b"\nnext\nlast"]) == ["ok", "next", "last"]
    assert read([b"y" * 11]) == []


def test_run_nix_hands_every_stderr_line_over_in_batches() -> None:
    batches: list[Sequence[str]] = []
    script = "i=0; while [ $i -lt 3000 ]; do echo \"line $i\"; i=$((i+1)); done >&2; printf 'last' >&2; exit 3"
    code = asyncio.run(run_nix(["sh", "-c", script], dict(os.environ), batches.append))
    assert code == 3
    assert [line for batch in batches for line in batch] == [f"line {i}" for i in range(3000)] + ["last"]
    assert len(batches) < 3001
