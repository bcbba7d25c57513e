"""What differs between the Nix versions of the matrix (2.8, 2.26, 2.34), each run with the client's own Nix and
builders of the same Nix: the ssh masters Nix's ssh shares, and a builder on another port through a nix-daemon.

From 2.16 Nix starts ssh with `LocalCommand=echo started`, then runs `ssh -O check` and reads that line unless a
master answers. A master that appears or expires between the two leaks `started` into the protocol ("protocol
mismatch, got 'started'") or leaves Nix waiting for it, so a build's masters must neither come from Nix's own ssh
nor expire while the build runs, and a config that nothing manages must share none.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.e2e.helpers import MakeLab, run_nixswarm, runtime_dir, salt
from tests.lab import Builder, BuilderSpec, Lab, read_graph_outputs
from tests.lab.graph import graph_args
from tests.lab.nixroots import own_series
from tests.lab.procs import stop

PERSIST = 2
"""The ControlPersist the user configures (defaults.control_persist), short so that a host outlives it fast."""
PAUSE = 4 * PERSIST
"""How long the idle host waits between its two derivations: well over PERSIST."""
IDLE_NIX = r"""{ salt, bb, pause }:
let
  busybox = builtins.path { path = bb; name = "lab-busybox"; };
  node = name: feature: sleep: deps: derivation {
    name = "idle-${salt}-${name}";
    system = builtins.currentSystem;
    builder = "${busybox}/sh";
    PATH = "${busybox}";
    inherit deps;
    requiredSystemFeatures = [ feature ];
    args = [ "-c" "sleep ${sleep}; cat /lab-id > $out" ];
  };
  first = node "first" "nxidle" "0" [ ];
  long = node "long" "nxbusy" pause [ ];
  again = node "again" "nxidle" "0" [ first long ];
in [ first long again ]
"""
"""`first` and `again` only on the host with nxidle, `again` only after `long` kept the other host busy."""


def add_host(lab: Lab, home: Path, name: str, builder: Builder, *options: str, port: int = 22) -> None:
    """Add and trust a lab builder under name, as a user would."""
    target = f"root@{builder.address}" + (f":{port}" if port != 22 else "")
    added = run_nixswarm(home, "hosts", "add", name, target, "--identity", str(lab.client_key), *options)
    trusted = run_nixswarm(home, "hosts", "trust", name, "--fingerprint", builder.fingerprint())
    assert added.returncode == 0 and trusted.returncode == 0, added.stderr + trusted.stderr


def logins(builder: Builder) -> int:
    """ssh logins the builder's sshd accepted so far (a session through a master is not one)."""
    log = builder.dir / "sshd.log"
    return log.read_text(errors="replace").count("Accepted publickey") if log.exists() else 0


def test_a_host_idle_longer_than_the_configured_persistence_keeps_the_one_master_of_the_build(
    make_lab: MakeLab, tmp_path: Path
) -> None:
    lab = make_lab([BuilderSpec(features=("nxidle",)), BuilderSpec(features=("nxbusy",))])
    idle, busy = lab.builders
    home = tmp_path / "home"
    (home / "config" / "nixswarm").mkdir(parents=True)
    (home / "config" / "nixswarm" / "config.toml").write_text(f"[defaults]\ncontrol_persist = {PERSIST}\n")
    add_host(lab, home, "idle", idle, "--features", "nxidle")
    add_host(lab, home, "busy", busy, "--features", "nxbusy")
    lab.graph()  # the busybox folder
    nix_file = lab.dir / "idle.nix"
    nix_file.write_text(IDLE_NIX)
    before = logins(idle)

    started = time.monotonic()
    done = run_nixswarm(
        home,
        "build",
        "--no-local",
        "-f",
        str(nix_file),
        "--argstr",
        "salt",
        salt(),
        "--arg",
        "bb",
        str(lab.graph_dir / "bb"),
        "--argstr",
        "pause",
        str(PAUSE),
        "--no-link",
        "--json",
        env={"NIX_CONF_DIR": str(lab.dir / "client-nix")},
    )

    assert done.returncode == 0, done.stderr[-3000:]
    assert time.monotonic() - started > PAUSE
    built = {
        Path(p).name.rsplit("-", 1)[-1]: Path(p).read_text().strip()
        for item in json.loads(done.stdout)
        for p in item["outputs"].values()
    }
    assert built == {"first": idle.lab_id, "long": busy.lab_id, "again": idle.lab_id}
    # nixswarm's check logged in once and opened the master; Nix's ssh reused it for both derivations after an idle
    # spell longer than ControlPersist, and never made a master (or a login) of its own
    assert logins(idle) - before == 1, (idle.dir / "sshd.log").read_text()[-2000:]


SLOW_SSH = """#!/usr/bin/env python3
import os, sys, time
if "-O" not in sys.argv:  # Nix's ssh starts late, as on a busy machine; its `ssh -O check` does not
    time.sleep(0.2)
os.execv("/usr/bin/ssh", ["ssh", *sys.argv[1:]])
"""
PAIRS = 12
"""Pairs of Nix clients started together: with masters that open behind Nix's back, about one in five failed."""


def test_two_nix_clients_at_once_through_the_written_ssh_config_neither_hang_nor_misread(
    make_lab: MakeLab, tmp_path: Path
) -> None:
    lab = make_lab([BuilderSpec()])
    add_host(lab, tmp_path, "b1", lab.builder("b1"))
    written = run_nixswarm(tmp_path, "write", "--no-include", env={"NIX_CONF_DIR": str(lab.dir / "client-nix")})
    assert written.returncode == 0, written.stderr
    slow = tmp_path / "slow-ssh"
    slow.mkdir()
    (slow / "ssh").write_text(SLOW_SSH)
    (slow / "ssh").chmod(0o755)
    env = {
        **lab.client_env(),
        "NIX_SSHOPTS": f"-F {tmp_path / 'config' / 'nixswarm' / 'ssh_config'}",
        "PATH": f"{slow}:{os.environ['PATH']}",
    }
    verb = ["store", "info"] if tuple(int(n) for n in own_series().split(".")) >= (2, 19) else ["store", "ping"]
    argv = ["nix", "--extra-experimental-features", "nix-command", *verb, "--store", "ssh-ng://nixswarm-b1"]
    sockets = runtime_dir(tmp_path) / "nixswarm-ssh"
    failures: list[str] = []
    for pair in range(PAIRS):
        for socket in sockets.glob("*") if sockets.is_dir() else []:  # Nix 2.8's config shares a master: close it
            subprocess.run(["ssh", "-o", f"ControlPath={socket}", "-O", "exit", "x"], capture_output=True, check=False)
        first = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        time.sleep(0.1 + 0.4 * pair / PAIRS)  # the second's ssh starts while the first's connects
        second = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        for proc in (first, second):
            try:
                _, err = proc.communicate(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.communicate()
                failures.append(f"pair {pair}: hung waiting for ssh's 'started'")
                continue
            if proc.returncode != 0:
                failures.append(f"pair {pair}: {err.strip().splitlines()[-1:]}")
    assert failures == []


@contextmanager
def root_daemon(lab: Lab) -> Iterator[dict[str, str]]:
    """A nix-daemon of the test's own (it trusts root, who runs the build); the environment that reaches it."""
    folder = Path(tempfile.mkdtemp(prefix="nxd-"))
    socket = folder / "socket"
    env = {**os.environ, "NIX_DAEMON_SOCKET_PATH": str(socket), "NIX_CONF_DIR": str(lab.dir / "client-nix")}
    daemon = subprocess.Popen(
        ["nix-daemon"], env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        for _ in range(200):
            if socket.exists():
                break
            time.sleep(0.02)
        yield {"NIX_REMOTE": "daemon", "NIX_DAEMON_SOCKET_PATH": str(socket), "NIX_CONF_DIR": env["NIX_CONF_DIR"]}
    finally:
        stop(daemon.pid, "nix-daemon")
        daemon.wait(timeout=5)
        shutil.rmtree(folder, ignore_errors=True)


def test_through_a_daemon_a_host_on_another_port_builds_with_its_key_pinned_from_nix_2_31(
    make_lab: MakeLab, tmp_path: Path
) -> None:
    """Nix from 2.31 writes `ssh-ng://root@ADDR:2222` with the key of column 8 in a known_hosts line for ADDR alone,
    and runs ssh with -p 2222. ssh finds no key for [ADDR]:2222, then (OpenSSH's "checking without port
    identifier", since 2006) the one for ADDR, and connects. Before 2.31 the port is not read: left out, with why."""
    lab = make_lab([BuilderSpec()])
    b1 = lab.builder("b1")
    lab.slow_link(b1, 2222, 0)  # the same sshd, also on port 2222
    add_host(lab, tmp_path, "far", b1, port=2222)

    with root_daemon(lab) as env:
        done = run_nixswarm(
            tmp_path,
            "build",
            "--no-local",
            "-f",
            str(lab.graph()),
            *graph_args(lab.graph_dir, salt(), 2, 1),
            "--no-link",
            "--json",
            env=env,
        )

    series = tuple(int(n) for n in own_series().split("."))
    if series < (2, 31):
        assert done.returncode == 3, done.stderr[-3000:]
        assert "far: invalid store URI port 2222: Nix" in done.stderr and "cannot read a port" in done.stderr
        assert "sudo nixswarm write --system" in done.stderr
        return
    assert done.returncode == 0, done.stderr[-3000:]
    assert "nixswarm: builders: far" in done.stderr
    nodes = read_graph_outputs([p for item in json.loads(done.stdout) for p in item["outputs"].values()])
    assert [n.built_by for n in nodes] == [b1.lab_id, b1.lab_id]
    accepted = [
        line.split()[5]
        for line in (b1.dir / "sshd.log").read_text().splitlines()
        if line.startswith("Accepted publickey for root from ")
    ]
    assert len(accepted) >= 2 and set(accepted) == {b1.address}  # the check's and Nix's, all through port 2222
