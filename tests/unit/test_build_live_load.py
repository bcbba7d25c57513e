"""The live load reader: one ssh session per host through its master, its latest reading in the loads file."""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from nixswarm.build import live_load
from nixswarm.build.live_load import REMOTE_LOOP, LoadReader, live_loads
from nixswarm.build.workdir import BuildDir
from nixswarm.hook.loads import parse_loads

GOOD = "0.50 0.40 0.30 1/100 1234"
LATER = "1.25 0.40 0.30 1/100 1234"


def test_the_session_goes_only_through_the_host_s_master(tmp_path: Path) -> None:
    argv = LoadReader(["b1"], BuildDir(tmp_path)).argv("b1")
    assert argv[0] == "ssh"
    assert argv[argv.index("-F") + 1] == str(tmp_path / "ssh_config")
    options = {argv[i + 1] for i, a in enumerate(argv) if a == "-o"}
    assert {"ProxyCommand=false", "ControlMaster=no", "BatchMode=yes"} <= options
    assert argv[-2:] == ["nixswarm-b1", REMOTE_LOOP]
    assert REMOTE_LOOP == "while cat /proc/loadavg; do sleep 1; done"


def fake_ssh(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, body: str) -> Path:
    """An `ssh` first on PATH that logs its arguments and pid, then runs body; returns the log."""
    folder = tmp_path / "bin"
    folder.mkdir()
    log = tmp_path / "ssh.log"
    script = folder / "ssh"
    script.write_text(f'#!/bin/sh\necho "$$ $*" >> {log}\n{body}\n')
    script.chmod(0o755)
    monkeypatch.setenv("PATH", f"{folder}:{os.environ['PATH']}")
    return log


async def until(condition: Callable[[], bool], timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.02)


def loads_in(where: BuildDir) -> dict[str, float]:
    try:
        return {name: load for name, (load, _) in parse_loads(where.loads.read_text()).items()}
    except FileNotFoundError:
        return {}


def sessions(log: Path) -> list[str]:
    return log.read_text().splitlines() if log.exists() else []


async def test_the_latest_reading_is_kept_and_dropped_when_the_session_ends(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(live_load, "RETRY", 0.2)
    log = fake_ssh(tmp_path, monkeypatch, f"echo '{GOOD}'\necho '{LATER}'\nexec sleep 0.5")
    where = BuildDir(tmp_path)
    async with live_loads(["b1"], where) as reader:
        await until(lambda: loads_in(where) == {"b1": 1.25})
        assert reader.readings["b1"][0] == 1.25
        assert abs(reader.readings["b1"][1] - time.time()) < 5
        await until(lambda: loads_in(where) == {} and "b1" not in reader.readings)
        monkeypatch.setattr(live_load, "RETRY", 60.0)
        await until(lambda: len(sessions(log)) == 2 and "b1" in reader.readings)  # asked again after RETRY
    assert sessions(log)[0].endswith(f"nixswarm-b1 {REMOTE_LOOP}")


async def test_each_host_has_its_own_session(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    body = f"case \"$*\" in *nixswarm-b2*) echo '2.00 1.00 1.00 1/1 1';; *) echo '{GOOD}';; esac\nexec sleep 2"
    log = fake_ssh(tmp_path, monkeypatch, body)
    where = BuildDir(tmp_path)
    async with live_loads(["b1", "b2"], where):
        await until(lambda: loads_in(where) == {"b1": 0.5, "b2": 2.0})
    told = sessions(log)
    assert len(told) == 2
    assert {name for name in ("b1", "b2") if any(f"nixswarm-{name} {REMOTE_LOOP}" in line for line in told)} == {
        "b1",
        "b2",
    }


async def test_every_session_is_stopped_when_the_block_ends(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    log = fake_ssh(tmp_path, monkeypatch, f"echo '{GOOD}'\nexec sleep 30")
    where = BuildDir(tmp_path)
    async with live_loads(["b1"], where):
        await until(lambda: loads_in(where) == {"b1": 0.5})
    pid = int(sessions(log)[0].split()[0])
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)


async def test_an_absurd_load_is_ignored(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    saved: list[dict[str, float]] = []
    monkeypatch.setattr(live_load, "write_loads", lambda _, loads: saved.append({n: v for n, (v, _) in loads.items()}))
    monkeypatch.setattr(live_load, "RETRY", 30.0)
    hostile = ["99999999999.0 0.40 0.30 1/100 1234", "nan 1.00 1.00 1/1 1", "1.00 1.00 1.00 1/1 1; reboot", "x" * 500]
    fake_ssh(tmp_path, monkeypatch, "".join(f"echo '{line}'\n" for line in [GOOD, *hostile]))
    async with live_loads(["b1"], BuildDir(tmp_path)):
        await until(lambda: len(saved) == 2)  # the reading, then its removal when the session ended
    assert saved == [{"b1": 0.5}, {}]


async def test_an_overlong_line_ends_the_session_without_a_reading_and_it_is_tried_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(live_load, "RETRY", 0.1)
    saved: list[dict[str, float]] = []
    monkeypatch.setattr(live_load, "write_loads", lambda _, loads: saved.append({n: v for n, (v, _) in loads.items()}))
    first = tmp_path / "first"
    junk = "9" * 10_000
    body = f"if [ ! -e {first} ]; then touch {first}; echo '{junk}'; fi\necho '{GOOD}'\nexec sleep 5"
    log = fake_ssh(tmp_path, monkeypatch, body)
    async with live_loads(["b1"], BuildDir(tmp_path)) as reader:
        await until(lambda: "b1" in reader.readings)
    assert len(sessions(log)) == 2
    assert saved == [{"b1": 0.5}]  # nothing from the first session: its good line came after the junk
    for line in sessions(log):  # the session with the junk was killed, not left running
        with pytest.raises(ProcessLookupError):
            os.kill(int(line.split()[0]), 0)


async def test_a_host_whose_ssh_fails_at_once_never_gets_a_reading(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(live_load, "RETRY", 0.05)
    log = fake_ssh(tmp_path, monkeypatch, "echo 'ssh: no master' >&2\nexit 255")
    where = BuildDir(tmp_path)
    async with live_loads(["b1"], where) as reader:
        await until(lambda: len(sessions(log)) >= 3)
        monkeypatch.setattr(live_load, "RETRY", 60.0)
        await asyncio.sleep(0.5)  # leave while it waits to retry, not while it starts ssh (see below)
        assert reader.readings == {}
    assert not where.loads.exists()


async def test_leaving_while_a_session_starts_does_not_hang(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fake_ssh(tmp_path, monkeypatch, f"echo '{'9' * 10_000}'\necho '{GOOD}'\nexec sleep 5")

    async def enter_and_leave(turns: int) -> None:
        async with live_loads(["b1"], BuildDir(tmp_path)):
            for _ in range(turns):  # the task has started ssh and waits for its pipes
                await asyncio.sleep(0)

    for attempt in range(12):  # each one hangs more often than not
        await asyncio.wait_for(enter_and_leave(1 + attempt % 2), 3)
