"""A file nixswarm writes is always the old or the new content, never torn, with the mode it promises."""

from __future__ import annotations

import os
import random
import re
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from nixswarm.model.host import Host
from nixswarm.model.nixversion import NIX_2_8
from nixswarm.selection import Selected
from nixswarm.ssh.include import ensure_include
from nixswarm.store.atomic import atomic_write
from nixswarm.store.settings import Defaults, HostEntry, Settings
from nixswarm.store.settings_file import save_settings
from nixswarm.store.state import State, save_state
from nixswarm.writer import Targets, render_all, write_all
from tests.unit.atomic_payload import WRITES, identify, payload
from tests.unit.hostile import KEY

ROOT = Path(__file__).resolve().parents[2]
CHILD = """
import sys
from pathlib import Path
sys.path.insert(0, sys.argv[1])
from nixswarm.store.atomic import atomic_write
from tests.unit.atomic_payload import WRITES, payload
target = Path(sys.argv[2])
print("ready", flush=True)
for index in range(int(sys.argv[3]), WRITES):
    atomic_write(target, payload(index))
"""


def test_a_writer_killed_at_random_moments_leaves_one_complete_content_every_time(tmp_path: Path) -> None:
    target = tmp_path / "machines"
    rng = random.Random(2)  # the kill moments vary with timing anyway; the seed keeps the delays reproducible
    next_index, last_seen, kills, runs = 0, -1, 0, 0
    while next_index < WRITES:
        runs += 1
        assert runs <= 400, f"only {next_index} writes after {runs - 1} runs"
        child = subprocess.Popen(
            [sys.executable, "-c", CHILD, str(ROOT), str(target), str(next_index)], stdout=subprocess.PIPE
        )
        assert child.stdout is not None
        assert child.stdout.readline() == b"ready\n"  # imports done: the delay below is all writing time
        try:
            child.wait(timeout=rng.uniform(0.0, 0.012))
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()
        child.stdout.close()
        if child.returncode == -signal.SIGKILL:
            kills += 1
        else:
            assert child.returncode == 0
        if not target.exists():
            assert last_seen == -1, "the file vanished after it had been written"
            continue
        content = target.read_bytes()
        index = identify(content)
        assert index is not None, f"torn file after run {runs}: {len(content)} bytes, starts {content[:50]!r}"
        assert next_index - 1 <= index < WRITES
        assert index >= last_seen
        last_seen, next_index = index, index + 1
    assert target.read_bytes() == payload(WRITES - 1)
    assert kills >= 15, f"only {kills} of {runs} runs were killed"
    leftovers = [p.name for p in tmp_path.iterdir() if p != target]
    assert all(re.fullmatch(r"\.machines\..+\.tmp", name) for name in leftovers), leftovers


@pytest.fixture
def open_umask() -> Iterator[None]:
    old = os.umask(0)
    yield
    os.umask(old)


@pytest.mark.usefixtures("open_umask")
def test_a_written_file_has_exactly_the_requested_mode_whatever_the_umask_or_the_old_mode(tmp_path: Path) -> None:
    path = tmp_path / "f"
    path.write_text("old")
    path.chmod(0o666)
    atomic_write(path, "new")
    assert (path.read_text(), path.stat().st_mode & 0o777) == ("new", 0o600)
    atomic_write(path, b"newer", mode=0o644)
    assert (path.read_bytes(), path.stat().st_mode & 0o777) == (b"newer", 0o644)


def test_a_normal_write_leaves_no_temporary_file_and_creates_a_private_folder(tmp_path: Path) -> None:
    path = tmp_path / "new" / "deeper" / "f"
    for n in range(5):
        atomic_write(path, f"content {n}\n")
    assert path.read_text() == "content 4\n"
    assert [p.name for p in path.parent.iterdir()] == ["f"]
    assert path.parent.stat().st_mode & 0o777 == 0o700


def test_a_failed_write_removes_its_temporary_file_and_keeps_the_old_content(tmp_path: Path) -> None:
    target = tmp_path / "occupied"
    target.mkdir()
    (target / "inside").write_text("x")
    with pytest.raises(OSError):
        atomic_write(target, "data")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["occupied"]
    assert (target / "inside").read_text() == "x"


@pytest.mark.usefixtures("open_umask")
def test_every_file_nixswarm_writes_has_the_mode_it_promises(tmp_path: Path) -> None:
    out = tmp_path / "out"
    targets = Targets(out / "machines", out / "ssh_config", out / "known_hosts", tmp_path / "ctl")
    selected = [Selected(HostEntry(Host("b1", ("10.0.0.2",))), KEY)]
    write_all(render_all(selected, Defaults(), NIX_2_8, targets), targets)
    save_settings(tmp_path / "config.toml", Settings())
    save_state(tmp_path / "state.json", State().approve("b1", KEY))
    ensure_include(tmp_path / "ssh" / "config", targets.ssh_config)
    modes = {
        path.name: path.stat().st_mode & 0o777
        for path in (*out.iterdir(), tmp_path / "config.toml", tmp_path / "state.json", tmp_path / "ssh" / "config")
    }
    assert modes == {
        "machines": 0o644,  # the nix-daemon (root) and the user read it; nothing secret in it
        "ssh_config": 0o600,  # ssh refuses a group- or world-writable config
        "known_hosts": 0o600,
        "config.toml": 0o600,
        "state.json": 0o600,
        "config": 0o600,
    }
    assert (tmp_path / "ctl").stat().st_mode & 0o777 == 0o700
    assert sorted(p.name for p in out.iterdir()) == ["known_hosts", "machines", "ssh_config"]
