"""The lab's knobs for load and traffic: each builder shows the load a test sets, and counts the bytes sent to it."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from nixswarm.model import HostKey
from nixswarm.model.host import Host
from nixswarm.model.probe import ProbeResult
from nixswarm.probe.remote import probe_host
from nixswarm.probe.ssh_target import SshTarget
from tests.e2e.helpers import build_graph, machines_file, open_lab, run_nixswarm
from tests.e2e.test_build import configure
from tests.lab import Builder, BuilderSpec, Lab
from tests.lab.loadavg import read_load
from tests.lab.nixroots import matrix_wanted, own_series

MIB = 1024 * 1024


def chroot_series() -> str | None:
    """A Nix series other than the tests' own (a builder in a chroot), unless NIXSWARM_NIX_MATRIX=0."""
    return next(s for s in ("2.8", "2.26", "2.34") if s != own_series()) if matrix_wanted() else None


@pytest.fixture(scope="module")
def loadlab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Lab, Path]]:
    """b1 on the tests' own Nix at load 8, b2 on another Nix (a chroot) at load 0.5; both added and trusted."""
    home = tmp_path_factory.mktemp("home")
    with open_lab([BuilderSpec(load=8), BuilderSpec(load=0.5, nix=chroot_series())]) as lab:
        configure(lab, home)
        yield lab, home


def scan_loads(lab: Lab, home: Path) -> dict[str, float]:
    done = run_nixswarm(home, "scan", "--json", "--no-mdns", "--timeout", "10", timeout=60)
    assert done.returncode == 0, done.stderr
    hosts = json.loads(done.stdout)["hosts"]
    assert all(h["reachable"] for h in hosts), hosts
    return {h["name"]: h["load"] for h in hosts}


def probed_load(lab: Lab, b: Builder) -> float:
    target = SshTarget(Host(b.name, (b.address,)), "root", str(lab.client_key), HostKey.parse(b.host_key_line), 10)
    outcome = asyncio.run(probe_host(target))
    assert isinstance(outcome, ProbeResult), outcome
    return outcome.load


def ssh_loadavg(lab: Lab, b: Builder) -> str:
    done = subprocess.run(
        lab.ssh_argv(b, "cat", "/proc/loadavg"), capture_output=True, text=True, timeout=30, check=False
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_each_builder_reports_the_load_its_spec_gives_in_a_scan(loadlab: tuple[Lab, Path]) -> None:
    lab, home = loadlab
    assert scan_loads(lab, home) == {"b1": 8.0, "b2": 0.5}


def test_a_load_set_later_is_what_the_next_probe_and_an_ssh_session_see(loadlab: tuple[Lab, Path]) -> None:
    lab, home = loadlab
    b1, b2 = lab.builders
    assert probed_load(lab, b2) == 0.5
    lab.set_load("b2", 123.45)
    try:
        assert probed_load(lab, b2) == 123.45
        assert ssh_loadavg(lab, b2).startswith("123.45 123.45 123.45 1/123 ")
        assert read_load(ssh_loadavg(lab, b1)) == 8.0
        assert scan_loads(lab, home) == {"b1": 8.0, "b2": 123.45}
    finally:
        lab.set_load("b2", 0.5)


def test_the_load_is_the_labs_own_not_the_kernels(loadlab: tuple[Lab, Path]) -> None:
    lab, _ = loadlab
    own = Path("/proc/loadavg").read_text()
    seen = {b.name: ssh_loadavg(lab, b) for b in lab.builders}
    assert seen == {"b1": "8.00 8.00 8.00 1/123 4567000000\n", "b2": "0.50 0.50 0.50 1/123 4567000000\n"}
    assert own not in seen.values()


def test_a_builder_whose_load_is_set_still_builds_in_its_sandbox(loadlab: tuple[Lab, Path], tmp_path: Path) -> None:
    lab, _ = loadlab
    # the sandbox mounts a new /proc: the kernel allows it only beside a proc with nothing bound over it
    done, nodes = build_graph(lab, machines_file(lab, lab.builders, tmp_path / "machines"), width=4, depth=1, sleep=1)
    assert done.returncode == 0, done.stderr[-2000:]
    assert {n.built_by for n in nodes} == {b.lab_id for b in lab.builders}


@pytest.mark.parametrize("direction", ["to", "from"])
def test_the_byte_counters_grow_by_what_ssh_carried(loadlab: tuple[Lab, Path], direction: str) -> None:
    lab, _ = loadlab
    b1 = lab.builders[0]
    payload = os.urandom(5 * MIB)
    before_to, before_from = lab.bytes_to("b1"), lab.bytes_from("b1")
    command, data = ("cat > /dev/null", payload) if direction == "to" else (f"head -c {5 * MIB} /dev/urandom", None)
    done = subprocess.run(lab.ssh_argv(b1, command), input=data, capture_output=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    sent, received = lab.bytes_to("b1") - before_to, lab.bytes_from("b1") - before_from
    carried, back = (sent, received) if direction == "to" else (received, sent)
    assert 5 * MIB <= carried < 10 * MIB, carried
    assert back < MIB, back
    assert len(done.stdout) == (0 if direction == "to" else 5 * MIB)
