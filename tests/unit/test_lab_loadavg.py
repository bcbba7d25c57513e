"""The lab's /proc/loadavg stand-in: the kernel's format, rewritten in place, never seen half-written."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from tests.lab.loadavg import LENGTH, loadavg_text, read_load, write_load


def test_the_text_has_the_kernels_format_and_always_the_same_length() -> None:
    assert loadavg_text(8).startswith("8.00 8.00 8.00 1/123 4567")
    for load in (0, 0.5, 8, 12.345, 999.99):
        text = loadavg_text(load)
        assert len(text) == LENGTH and text.endswith("\n") and text.count("\n") == 1
        assert read_load(text) == round(load, 2)
        assert text.split()[4].isdigit()


@pytest.mark.parametrize("load", [-0.1, 1000.0, float("nan")])
def test_a_load_outside_what_the_format_holds_is_refused(load: float) -> None:
    with pytest.raises(ValueError, match="lab load"):
        loadavg_text(load)


def test_a_rewrite_keeps_the_inode_a_bind_mount_shows(tmp_path: Path) -> None:
    path = tmp_path / "loadavg"
    write_load(path, 999.99)
    inode = path.stat().st_ino
    write_load(path, 0.5)
    assert path.stat().st_ino == inode
    assert path.read_text() == loadavg_text(0.5)


def test_a_reader_sees_the_old_line_or_the_new_one_never_a_mix(tmp_path: Path) -> None:
    path = tmp_path / "loadavg"
    write_load(path, 0)
    done = threading.Event()

    def rewrite() -> None:
        for k in range(3000):
            write_load(path, (0, 999.99, 7.5)[k % 3])
        done.set()

    writer = threading.Thread(target=rewrite)
    writer.start()
    seen = set()
    while not done.is_set():
        seen.add(path.read_text())
    writer.join()
    assert seen <= {loadavg_text(0), loadavg_text(999.99), loadavg_text(7.5)}
