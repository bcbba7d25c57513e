"""A build's folder is swept away by the next build only once its owner is gone (killed: its lock is free)."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from nixswarm.build import owner_lock
from nixswarm.build.workdir import GONE, PREFIX, make_build_dir, remove_build_dir
from nixswarm.hook.ledger import Ledger

HOLDER = (
    "import time\nfrom nixswarm.build.workdir import make_build_dir\n"
    "print(make_build_dir().root, flush=True)\ntime.sleep(120)\n"
)


@pytest.fixture
def runtime() -> Path:
    """The autouse home fixture's short $XDG_RUNTIME_DIR."""
    return Path(os.environ["XDG_RUNTIME_DIR"])


def start_holder(runtime: Path) -> tuple[subprocess.Popen[str], Path]:
    proc = subprocess.Popen(
        [sys.executable, "-c", HOLDER],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "XDG_RUNTIME_DIR": str(runtime)},
    )
    assert proc.stdout is not None
    return proc, Path(proc.stdout.readline().strip())


def test_a_live_builds_folder_is_kept_and_a_killed_ones_is_removed_by_the_next_build(runtime: Path) -> None:
    proc, theirs = start_holder(runtime)
    try:
        (theirs / "cm").mkdir()
        mine = make_build_dir()
        assert theirs.is_dir(), "a running build's folder was swept away"
        remove_build_dir(mine)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
        assert theirs.is_dir()
        again = make_build_dir()
        assert not theirs.exists(), "a killed build's folder stayed"
        assert again.root.is_dir()
        remove_build_dir(again)
    finally:
        proc.kill()
        proc.wait(timeout=10)
    assert not [p for p in runtime.iterdir() if p.name.startswith(PREFIX)]


def test_a_folder_without_a_lock_or_of_another_name_is_never_swept(tmp_path: Path) -> None:
    unlocked = tmp_path / f"{PREFIX}old"
    unlocked.mkdir()
    other = tmp_path / "someone-else"
    other.mkdir()
    (other / owner_lock.LOCK).write_text("")
    removed = owner_lock.sweep(tmp_path, PREFIX, lambda p: p.rmdir())
    assert removed == []
    assert unlocked.is_dir() and other.is_dir()


def test_the_lock_is_never_seen_free_while_held(tmp_path: Path) -> None:
    fd = owner_lock.hold(tmp_path)
    try:
        assert owner_lock.sweep(tmp_path.parent, tmp_path.name, lambda p: None) == []
    finally:
        owner_lock.release(fd)
    assert owner_lock.sweep(tmp_path.parent, tmp_path.name, lambda p: None) == [tmp_path]


def write_ledger(ledger: Ledger, stop: threading.Event) -> None:
    """What the hooks of a killed build's nix do: take the ledger's lock (creating its folder and lock file)."""
    while not stop.is_set():
        with contextlib.suppress(OSError):
            ledger.entries()


def test_a_folder_is_removed_while_a_hook_of_its_build_still_writes_its_ledger(runtime: Path) -> None:
    """A killed build's nix builds on: its hooks recreate ledger/ledger.lock while the next build deletes the folder
    (CI once found the folder left with just those two)."""
    for _ in range(20):
        where = make_build_dir()
        stop = threading.Event()
        writer = threading.Thread(target=write_ledger, args=(Ledger(str(where.ledger)), stop))
        writer.start()
        try:
            remove_build_dir(where)
        finally:
            stop.set()
            writer.join()
        assert not where.root.exists(), sorted(str(p) for p in where.root.rglob("*"))
    assert not list(runtime.iterdir())


def test_a_folder_whose_removal_was_cut_short_is_deleted_by_the_next_build(runtime: Path) -> None:
    left = runtime / f"{GONE}{PREFIX}cut"
    (left / "ledger").mkdir(parents=True)
    (left / "ledger" / "ledger.lock").write_text("")
    where = make_build_dir()
    assert not left.exists()
    remove_build_dir(where)
