"""A build that is interrupted, or whose builder dies under it, ends cleanly and says why."""

from __future__ import annotations

import signal
import subprocess
import time
from pathlib import Path

from tests.e2e.helpers import NIXSWARM, MakeLab, nixswarm_env, runtime_dir, salt
from tests.e2e.test_build import build, configure
from tests.lab import BuilderSpec, Lab
from tests.lab.graph import graph_args
from tests.lab.procs import read_until


def start_build(lab: Lab, home: Path, *options: str, sleep: float) -> tuple[subprocess.Popen[str], str]:
    tag = salt()
    env = nixswarm_env(home, {"NIX_CONF_DIR": str(lab.dir / "client-nix")})
    argv = [
        NIXSWARM,
        "build",
        *options,
        "-f",
        str(lab.graph()),
        *graph_args(lab.graph_dir, tag, 2, 1, sleep),
        "--no-link",
    ]
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    return proc, tag


def wait_for(proc: subprocess.Popen[str], text: str, timeout: float = 60) -> str:
    """stderr up to the first line containing text."""
    assert proc.stderr is not None
    seen = read_until(proc.stderr, lambda read: text.encode() in read, timeout).decode(errors="replace")
    assert text in seen, seen
    return seen


def processes_with(text: str) -> list[str]:
    listing = subprocess.run(["ps", "-eo", "args"], capture_output=True, text=True, check=False).stdout
    return [line for line in listing.splitlines() if text in line and "ps -eo" not in line]


def test_sigint_during_a_build_stops_nix_cleans_up_and_exits_130(make_lab: MakeLab, tmp_path: Path) -> None:
    lab = make_lab([BuilderSpec()])
    configure(lab, tmp_path)
    proc, tag = start_build(lab, tmp_path, "--no-local", sleep=30)
    wait_for(proc, "[b1] building")
    started = time.monotonic()
    proc.send_signal(signal.SIGINT)
    assert proc.wait(timeout=30) == 130
    assert time.monotonic() - started < 15
    assert not processes_with(tag), "nix or a build of this run is still running"
    assert not list(runtime_dir(tmp_path).glob("nixswarm-build-*")), "the build's private folder is left behind"
    assert not processes_with(str(runtime_dir(tmp_path))), "an ssh master of the build is still running"


def test_a_builder_killed_mid_build_is_named_nothing_hangs_and_the_next_build_leaves_it_out(
    make_lab: MakeLab, tmp_path: Path
) -> None:
    lab = make_lab([BuilderSpec(), BuilderSpec()])
    configure(lab, tmp_path)
    proc, _ = start_build(lab, tmp_path, "--hosts", "b1", "--no-local", sleep=20)
    wait_for(proc, "[b1] building")
    lab.kill_builder(lab.builder("b1"))
    _, err = proc.communicate(timeout=90)
    assert proc.returncode not in (0, 130)
    assert any(line.startswith("[b1]") and ("FAILED" in line or "cannot" in line) for line in err.splitlines()), err
    again, _ = build(lab, tmp_path, "--no-local", width=2, depth=1)
    assert again.returncode == 0, again.stderr[-2000:]
    assert "left out b1: unreachable: connection refused" in again.stderr


def test_the_masters_of_a_killed_build_are_closed_by_the_next_build(make_lab: MakeLab, tmp_path: Path) -> None:
    lab = make_lab([BuilderSpec()])
    configure(lab, tmp_path)
    proc, tag = start_build(lab, tmp_path, "--no-local", sleep=5)
    wait_for(proc, "[b1] building")
    (killed,) = runtime_dir(tmp_path).glob("nixswarm-build-*")
    proc.send_signal(signal.SIGKILL)  # no clean-up at all; its masters persist until closed
    proc.wait(timeout=10)
    assert processes_with(str(killed)), "the killed build had no ssh master to leave behind"
    again, _ = build(lab, tmp_path, "--no-local", width=1, depth=1)
    assert again.returncode == 0, again.stderr[-2000:]
    assert not killed.exists(), f"the killed build's folder is left behind: {sorted(map(str, killed.rglob('*')))}"
    assert not processes_with(str(killed)), "an ssh master of the killed build is still running"
    for _ in range(100):  # the killed nix build finishes its derivations on its own
        if not processes_with(tag):
            break
        time.sleep(0.1)
