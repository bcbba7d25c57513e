"""`nixswarm build` against real builders: the outputs say where each derivation was built."""

from __future__ import annotations

import json
import os
import shlex
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path

import pytest

from tests.e2e.daemon_client import untrusted_daemon_client
from tests.e2e.helpers import MakeLab, nixswarm_env, open_lab, run_nixswarm, runtime_dir, salt
from tests.lab import BuilderSpec, Lab
from tests.lab.graph import GraphNode, graph_args, read_graph_outputs


def configure(lab: Lab, home: Path, extra: Mapping[str, Sequence[str]] | None = None) -> None:
    """Add and trust every lab builder through the CLI, as a user would (extra: more `hosts add` options by name)."""
    for b in lab.builders:
        added = run_nixswarm(
            home,
            "hosts",
            "add",
            b.name,
            f"root@{b.address}",
            "--identity",
            str(lab.client_key),
            "--max-jobs",
            str(b.max_jobs),
            *(extra or {}).get(b.name, ()),
        )
        assert added.returncode == 0, added.stderr
        trusted = run_nixswarm(home, "hosts", "trust", b.name, "--fingerprint", b.fingerprint())
        assert trusted.returncode == 0, trusted.stderr


def build(
    lab: Lab,
    home: Path,
    *options: str,
    width: int = 3,
    depth: int = 3,
    sleep: float = 0,
    env: Mapping[str, str] | None = None,
) -> tuple[subprocess.CompletedProcess[str], list[GraphNode]]:
    """nixswarm build of the lab graph (env: more of the environment); the nodes say who built them."""
    args = graph_args(lab.graph_dir, salt(), width, depth, sleep)
    done = run_nixswarm(
        home,
        "build",
        *options,
        "-f",
        str(lab.graph()),
        *args,
        "--no-link",
        "--json",
        env={"NIX_CONF_DIR": str(lab.dir / "client-nix"), **(env or {})},
    )
    if done.returncode != 0:
        return done, []
    paths = [p for item in json.loads(done.stdout) for p in item["outputs"].values()]
    return done, read_graph_outputs(paths)


def built_by(lab: Lab, nodes: list[GraphNode]) -> set[str]:
    names = {b.lab_id: b.name for b in lab.builders}
    return {names.get(n.built_by, n.built_by) for n in nodes}


@pytest.fixture(scope="module")
def swarm(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Lab, Path]]:
    """b1-b3 healthy, b4 blackholed and b5 down after they were trusted; all five in the saved selection."""
    home = tmp_path_factory.mktemp("home")
    with open_lab([BuilderSpec() for _ in range(5)]) as lab:
        configure(lab, home)
        lab.blackhole(lab.builder("b4"))
        lab.stop_sshd(lab.builder("b5"))
        yield lab, home


def test_hosts_builds_the_graph_on_exactly_those_builders(swarm: tuple[Lab, Path]) -> None:
    lab, home = swarm
    done, nodes = build(lab, home, "--hosts", "b1,b2", "--no-local", sleep=1)
    assert done.returncode == 0, done.stderr[-3000:]
    assert len(nodes) == 9
    assert built_by(lab, nodes) == {"b1", "b2"}


def test_exclude_leaves_those_builders_out(swarm: tuple[Lab, Path]) -> None:
    lab, home = swarm
    done, nodes = build(lab, home, "--exclude", "b1,b4,b5", "--no-local", sleep=1)
    assert done.returncode == 0, done.stderr[-3000:]
    assert built_by(lab, nodes) == {"b2", "b3"}


def test_a_dead_and_a_blackholed_builder_in_the_selection_add_under_two_seconds(swarm: tuple[Lab, Path]) -> None:
    lab, home = swarm
    started = time.monotonic()
    healthy, _ = build(lab, home, "--hosts", "b1,b2,b3", "--no-local")
    healthy_s = time.monotonic() - started
    started = time.monotonic()
    with_dead, nodes = build(lab, home, "--no-local")
    dead_s = time.monotonic() - started
    assert healthy.returncode == 0 and with_dead.returncode == 0, with_dead.stderr[-3000:]
    assert built_by(lab, nodes) <= {"b1", "b2", "b3"}
    assert "left out b4: unreachable" in with_dead.stderr
    assert "left out b5: unreachable" in with_dead.stderr and "refused" in with_dead.stderr
    assert dead_s - healthy_s < 2.0, f"healthy {healthy_s:.2f} s, with dead builders {dead_s:.2f} s"


def test_two_builds_at_once_with_different_selections_keep_to_their_own(swarm: tuple[Lab, Path]) -> None:
    lab, home = swarm
    env = {"NIX_CONF_DIR": str(lab.dir / "client-nix")}
    procs = []
    for hosts in ("b1", "b3"):
        args = graph_args(lab.graph_dir, salt(), 2, 2, 1)
        argv = [
            str(Path(sys.executable).parent / "nixswarm"),
            "build",
            "--hosts",
            hosts,
            "--no-local",
            "-f",
            str(lab.graph()),
            *args,
            "--no-link",
            "--json",
        ]
        procs.append(
            subprocess.Popen(
                argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=nixswarm_env(home, env)
            )
        )
    for hosts, proc in zip(("b1", "b3"), procs, strict=True):
        out, err = proc.communicate(timeout=240)
        assert proc.returncode == 0, err[-3000:]
        paths = [p for item in json.loads(out) for p in item["outputs"].values()]
        assert built_by(lab, read_graph_outputs(paths)) == {hosts}
    assert not list(runtime_dir(home).glob("nixswarm-build-*")), "a build left its private files behind"


def test_dry_run_prints_the_files_and_command_and_runs_nothing(swarm: tuple[Lab, Path]) -> None:
    lab, home = swarm
    done = run_nixswarm(
        home,
        "build",
        "--dry-run",
        "--hosts",
        "b2",
        "-f",
        str(lab.graph()),
        "-L",
        env={"NIX_CONF_DIR": str(lab.dir / "client-nix")},
    )
    assert done.returncode == 0, done.stderr
    assert "ssh-ng://nixswarm-b2 " in done.stdout
    assert "Host nixswarm-b2" in done.stdout and "Ciphers aes128-gcm@openssh.com" in done.stdout
    assert "ControlMaster no" in done.stdout and "ControlPersist yes" in done.stdout  # nixswarm opens and closes them
    assert "Compression no" in done.stdout
    assert "nix build" in done.stdout and "--builders @" in done.stdout
    assert "--log-format internal-json" in done.stdout and " -L" not in done.stdout  # nixswarm prints the logs
    assert "building" not in done.stderr


def test_no_plan_builds_without_the_dry_run_beside_it(swarm: tuple[Lab, Path], tmp_path: Path) -> None:
    lab, home = swarm
    real = shutil.which("nix")
    assert real is not None
    calls = tmp_path / "nix-calls"
    (tmp_path / "bin").mkdir()
    wrapper = tmp_path / "bin" / "nix"  # logs each nix command nixswarm runs, then runs it
    wrapper.write_text(f'#!/bin/sh\nprintf "%s\\n" "$*" >> {shlex.quote(str(calls))}\nexec {shlex.quote(real)} "$@"\n')
    wrapper.chmod(0o755)
    path = {"PATH": f"{wrapper.parent}:{os.environ['PATH']}"}
    dry_runs = {}
    for options in (("--no-plan",), ()):
        calls.unlink(missing_ok=True)
        done, nodes = build(lab, home, "--no-local", *options, width=2, depth=1, env=path)
        assert done.returncode == 0, done.stderr[-2000:]
        assert len(nodes) == 2
        builds = [c for c in calls.read_text().splitlines() if c.startswith("build ")]
        dry_runs[options] = sum("--dry-run" in c for c in builds)
        assert len(builds) - dry_runs[options] == 1, builds
    assert dry_runs == {("--no-plan",): 0, (): 1}


def test_a_builder_whose_key_changed_is_never_used(make_lab: MakeLab, tmp_path: Path) -> None:
    lab = make_lab([BuilderSpec(), BuilderSpec()])
    configure(lab, tmp_path)
    lab.replace_host_key(lab.builder("b2"))
    done, nodes = build(lab, tmp_path, "--no-local", sleep=1)
    assert done.returncode == 0, done.stderr[-3000:]
    assert built_by(lab, nodes) == {"b1"}
    assert "left out b2: HOST KEY CHANGED" in done.stderr


def test_a_user_the_daemon_does_not_trust_gets_the_plain_error_before_nix_runs(make_lab: MakeLab) -> None:
    lab = make_lab([BuilderSpec()])
    with untrusted_daemon_client(lab) as client:
        configure(lab, client.home)
        client.give_home()
        done = client.nixswarm(
            "build", "--no-local", "-f", str(lab.graph()), *graph_args(lab.graph_dir, salt(), 1, 1), "--no-link"
        )
    assert done.returncode == 3, done.stderr
    assert f"does not trust user '{client.user}'" in done.stderr and "trusted-users" in done.stderr
    assert "building" not in done.stderr


def test_the_summary_counts_match_what_the_outputs_record(swarm: tuple[Lab, Path], tmp_path: Path) -> None:
    lab, home = swarm
    summary_file = tmp_path / "summary.json"
    done, nodes = build(
        lab, home, "--hosts", "b1,b2,b3", "--json-summary", str(summary_file), width=4, depth=2, sleep=1
    )
    assert done.returncode == 0, done.stderr[-3000:]
    summary = json.loads(summary_file.read_text())
    names = {b.lab_id: b.name for b in lab.builders}
    recorded: dict[str, int] = {}
    for node in nodes:
        host = names.get(node.built_by, node.built_by)
        recorded[host] = recorded.get(host, 0) + 1
    counted = {host: h["built"] for host, h in summary["hosts"].items() if h["built"]}
    assert counted == recorded
    assert summary["exit_code"] == 0
    assert all(h["failed"] == 0 for h in summary["hosts"].values())
    for host, n in recorded.items():  # the plain summary table on stderr says the same
        assert any(line.split()[:2] == [host, str(n)] for line in done.stderr.splitlines()), done.stderr[-2000:]


def test_a_far_host_is_left_out_by_the_lan_check_and_used_when_the_build_gives_it_time(make_lab: MakeLab) -> None:
    lab = make_lab([BuilderSpec()])
    b1 = lab.builder("b1")
    lab.slow_link(b1, 2222, 0.25)  # each way: an ssh login takes several round trips, well over 1 s
    home = lab.dir / "far-home"
    added = run_nixswarm(home, "hosts", "add", "far", f"root@{b1.address}:2222", "--identity", str(lab.client_key))
    trusted = run_nixswarm(home, "--timeout", "10", "hosts", "trust", "far", "--fingerprint", b1.fingerprint())
    assert added.returncode == 0 and trusted.returncode == 0, added.stderr + trusted.stderr

    lan, _ = build(lab, home, "--no-local", width=1, depth=1)
    assert lan.returncode != 0, lan.stderr[-2000:]
    assert "far: unreachable: no answer within 1 s (a far host? give it longer with --timeout SEC)" in lan.stderr

    far, nodes = build(lab, home, "--no-local", "--timeout", "15", width=1, depth=1)
    assert far.returncode == 0, far.stderr[-3000:]
    assert built_by(lab, nodes) == {"b1"}
