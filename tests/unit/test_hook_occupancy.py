"""Counting local slots by output locks: the .drv outputs list, and /proc/locks."""

from __future__ import annotations

import fcntl
import os
from pathlib import Path

import pytest

from nixswarm.hook.drvfile import output_locks, parse_outputs
from nixswarm.hook.occupancy import held_locks, is_held

OUT = "/nix/store/5qc5xqavvwf70zixpwvsn9zdpjrzf1xk-lab-l2-n1"
DRV_TEXT = f'Derive([("dev","{OUT}-dev","",""),("out","{OUT}","","")],[("/nix/store/x.drv",["out"])],[],"x86_64-linux")'


def test_the_outputs_list_at_the_head_of_a_drv_file_is_read() -> None:
    assert parse_outputs(DRV_TEXT.encode()) == [("dev", f"{OUT}-dev"), ("out", OUT)]


def test_escapes_in_aterm_strings_are_undone() -> None:
    assert parse_outputs(b'Derive([("o\\"ut","/nix/store/a\\\\b","","")],') == [('o"ut', "/nix/store/a\\b")]


@pytest.mark.parametrize("text", [b"", b"DrvWithVersion(", b'Derive([("out","/a"', b'Derive([("out")],'])
def test_a_drv_file_that_is_not_understood_is_refused(text: bytes) -> None:
    with pytest.raises(ValueError):
        parse_outputs(text)


def test_nix_locks_each_output_path_or_drv_dot_output_when_floating(tmp_path: Path) -> None:
    fixed = tmp_path / "fixed.drv"
    fixed.write_text(DRV_TEXT)
    assert output_locks(str(fixed)) == (f"{OUT}-dev.lock", f"{OUT}.lock")
    floating = tmp_path / "floating.drv"
    floating.write_text('Derive([("out","","r:sha256","")],[],[],"x86_64-linux")')
    assert output_locks(str(floating)) == (f"{floating}.out.lock",)
    assert output_locks(str(tmp_path / "missing.drv")) == ()


@pytest.mark.skipif(not Path("/proc/locks").exists(), reason="Linux only")
def test_a_flocked_file_shows_as_held_until_it_is_released(tmp_path: Path) -> None:
    lock = tmp_path / "out.lock"
    fd = os.open(lock, os.O_RDWR | os.O_CREAT)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        held = held_locks()
        assert held is not None
        assert is_held(str(lock), held)
        fcntl.flock(fd, fcntl.LOCK_UN)
        assert not is_held(str(lock), held_locks() or set())
    finally:
        os.close(fd)
    assert not is_held(str(tmp_path / "gone.lock"), set())


def test_proc_locks_lines_are_parsed_and_waiters_skipped(tmp_path: Path) -> None:
    sample = tmp_path / "locks"
    sample.write_text(
        "1: FLOCK  ADVISORY  WRITE 32264 fe:00:9473025 0 EOF\n"
        "1: -> FLOCK  ADVISORY  WRITE 32265 fe:00:77 0 EOF\n"
        "2: POSIX  ADVISORY  READ 32287 08:11:12 128 128\n"
        "garbage\n"
    )
    assert held_locks(str(sample)) == {(0xFE, 0, 9473025), (8, 0x11, 12)}
    assert held_locks(str(tmp_path / "none")) is None
