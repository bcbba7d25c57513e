"""Two `nixswarm write` processes at once never leave a torn or mixed file."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from pathlib import Path

from nixswarm.model.host import Host
from nixswarm.store import paths
from nixswarm.store.settings import HostEntry, Settings
from nixswarm.store.settings_file import save_settings
from nixswarm.store.state import State, save_state
from tests.unit.hostile import KEY

NIXSWARM = str(Path(sys.executable).parent / "nixswarm")
ROUNDS = 15


def write(config: Path, out: Path, rounds: int) -> None:
    argv = [
        NIXSWARM,
        "write",
        "--config",
        str(config),
        "--machines",
        str(out / "machines"),
        "--ssh-config",
        str(out / "ssh_config"),
        "--no-include",
    ]
    for _ in range(rounds):
        subprocess.run(argv, capture_output=True, check=True, env=dict(os.environ))


def test_two_writers_at_once_leave_one_writer_s_whole_file_every_time(tmp_path: Path) -> None:
    configs = {}
    state = State()
    for name, address in (("alpha", "10.0.0.2"), ("beta", "10.0.0.3")):
        configs[name] = tmp_path / f"{name}.toml"
        save_settings(configs[name], Settings(hosts=(HostEntry(Host(name, (address,))),)))
        state = state.approve(name, KEY)
    save_state(paths.state_file(), state)
    out = tmp_path / "out"
    out.mkdir()
    expected = {}
    for name, config in configs.items():  # each writer's whole files, written alone
        write(config, out, 1)
        expected[name] = ((out / "machines").read_text(), (out / "ssh_config").read_text())
    seen: set[tuple[str, str]] = set()
    stop = threading.Event()

    def read() -> None:
        while not stop.is_set():
            seen.add(("machines", (out / "machines").read_text()))
            seen.add(("ssh_config", (out / "ssh_config").read_text()))
            time.sleep(0.001)

    reader = threading.Thread(target=read)
    reader.start()
    writers = [threading.Thread(target=write, args=(c, out, ROUNDS)) for c in configs.values()]
    for w in writers:
        w.start()
    for w in writers:
        w.join()
    stop.set()
    reader.join()
    allowed = {("machines", m) for m, _ in expected.values()} | {("ssh_config", s) for _, s in expected.values()}
    assert seen <= allowed, [text[:200] for kind, text in seen - allowed]
    assert len(seen) >= 3  # the reader did see both writers' files come and go
    assert not [p for p in out.iterdir() if p.name not in ("machines", "ssh_config", "known_hosts")]
