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

from nixswarm.files.selection import Selected
from nixswarm.files.writer import Targets, render_all, write_all
from nixswarm.model.host import Host
from nixswarm.model.nixversion import NIX_2_8
from nixswarm.ssh.include import ensure_include
from nixswarm.store.atomic import atomic_write
from nixswarm.store.settings import Defaults, HostEntry, Settings
from nixswarm.store.settings_file import save_settings
from nixswarm.store.state import State, save_state
from tests.unit.atomic_payload import WRITES, identify, payload
from tests.unit.hostile import KEY
from tests.unit.killed_writer import STEPS, STEPS_AFTER

ROOT = Path(__file__).resolve().parents[2]
TEMP = re.compile(r"\.machines\..+\.tmp")


def temp_files(folder: Path) -> dict[str, bytes]:
    """The temporary files atomic_write left in folder, by name."""
    return {p.name: p.read_bytes() for p in folder.iterdir() if TEMP.fullmatch(p.name)}


def left_in_temp(step: str, index: int) -> list[bytes]:
    """What a writer killed at step of write index leaves in a new temporary file."""
    if step in STEPS_AFTER:
        return []
    whole = payload(index)
    return [{"created": b"", "half-written": whole[: len(whole) // 2]}.get(step, whole)]


def test_a_writer_killed_at_every_step_of_a_write_leaves_the_old_or_the_new_complete_content(tmp_path: Path) -> None:
    target = tmp_path / "machines"
    rng = random.Random(2)  # how many whole writes come before the killed one: the same runs every time
    last, runs = -1, 0  # last: the payload the target holds (-1: no file yet)
    while last < WRITES - 1:
        step = STEPS[runs % len(STEPS)]
        runs += 1
        assert runs <= 400, f"only {last + 1} writes after {runs - 1} runs"
        stop_at = min(last + 1 + rng.randint(0, 4), WRITES - 1)
        temps = temp_files(tmp_path)
        child = subprocess.Popen(
            [sys.executable, "-m", "tests.unit.killed_writer", str(target), str(last + 1), str(stop_at), step],
            cwd=ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
        )
        assert child.stdin is not None and child.stdout is not None
        report = child.stdout.readline()
        child.kill()  # the writer waits at the step until killed, however busy the machine is
        child.wait()
        child.stdin.close()
        child.stdout.close()
        assert report == f"at {step}\n".encode(), f"run {runs}: the writer never reached {step!r}"
        assert child.returncode == -signal.SIGKILL, f"run {runs}: the writer was not killed"
        expected = stop_at if step in STEPS_AFTER else stop_at - 1
        if expected == -1:
            assert not target.exists(), f"run {runs}: killed at {step!r} before any replace, yet a file"
        else:
            content = target.read_bytes()
            assert identify(content) == expected, (
                f"run {runs}, killed at {step!r} of write {stop_at}: {len(content)} bytes, starts {content[:50]!r}"
            )
        new_temps = [data for name, data in temp_files(tmp_path).items() if name not in temps]
        assert new_temps == left_in_temp(step, stop_at), f"run {runs}: not killed where {step!r} says"
        last = expected
    assert runs >= 2 * len(STEPS)  # every step was killed at, twice at least
    assert target.read_bytes() == payload(WRITES - 1)
    leftovers = [p.name for p in tmp_path.iterdir() if p != target]
    assert all(TEMP.fullmatch(name) for name in leftovers), leftovers


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
