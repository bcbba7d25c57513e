"""Build overhead on the 9-derivation, 3-level lab graph over 3 builders: plain nix against nixswarm build."""

from __future__ import annotations

import os
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from bench.plots import link
from bench.results import Section
from bench.stats import summary
from tests.e2e.helpers import machines_file
from tests.lab import BuilderSpec, Lab
from tests.lab.graph import graph_args

ROUNDS = 5
TARGET = 1.3
"""Seconds for nixswarm build on the 9-derivation graph."""
NIXSWARM = str(Path(sys.executable).parent / "nixswarm")


def _graph(lab: Lab, width: int = 3, depth: int = 3) -> list[str]:
    return ["-f", str(lab.graph()), *graph_args(lab.graph_dir, secrets.token_hex(4), width, depth, 0), "--no-link"]


def _timed(argv: list[str], env: dict[str, str], timeout: float = 600) -> float:
    started = time.perf_counter()
    done = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=timeout, check=False)
    took = time.perf_counter() - started
    if done.returncode != 0:
        raise RuntimeError(f"{argv[:3]} failed: {done.stderr[-1500:]}")
    return took


def _plain(lab: Lab, builders: Path, width: int = 3, depth: int = 3) -> list[str]:
    return [
        "nix",
        "build",
        "--extra-experimental-features",
        "nix-command",
        "--max-jobs",
        "0",
        "--builders",
        f"@{builders}",
        *_graph(lab, width, depth),
    ]


def _plain_ssh(lab: Lab) -> str:
    """NIX_SSHOPTS of plain nix: the lab's key, none of ssh's own config files."""
    return f"-F /dev/null -i {lab.client_key} -o IdentitiesOnly=yes"


def _nixswarm_build(lab: Lab) -> list[str]:
    """`nixswarm build --no-local` of a fresh graph on the first three builders."""
    return [NIXSWARM, "build", "--no-local", "--hosts", "b1,b2,b3", *_graph(lab)]


def _interleaved(cases: dict[str, Callable[[], float]], rounds: int) -> dict[str, list[float]]:
    """Each case's samples; the cases take turns in every round, so drift hits every case alike."""
    samples: dict[str, list[float]] = {name: [] for name in cases}
    for _ in range(rounds):
        for name, case in cases.items():
            samples[name].append(case())
    return samples


def _home_env(lab: Lab, home: Path) -> dict[str, str]:
    return {
        **os.environ,
        "HOME": str(home),
        "XDG_CONFIG_HOME": str(home / "config"),
        "XDG_STATE_HOME": str(home / "state"),
        "NIX_CONF_DIR": str(lab.dir / "client-nix"),
    }


def _configure(lab: Lab, env: dict[str, str]) -> None:
    for b in lab.builders:
        for argv in (
            [
                "hosts",
                "add",
                b.name,
                f"root@{b.address}",
                "--identity",
                str(lab.client_key),
                "--max-jobs",
                str(b.max_jobs),
            ],
            ["hosts", "trust", b.name, "--fingerprint", b.fingerprint()],
        ):
            subprocess.run([NIXSWARM, *argv], env=env, capture_output=True, check=True)


def _startup() -> tuple[list[float], bool]:
    samples = []
    for _ in range(20):
        started = time.perf_counter()
        subprocess.run([NIXSWARM, "build", "--help"], capture_output=True, check=True)
        samples.append(time.perf_counter() - started)
    code = "import sys; from nixswarm.cli.main import build_parser; build_parser(); print('textual' in sys.modules)"
    textual = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    return samples, textual.strip() == "True"


def run() -> Section:
    """The markdown section and its samples."""
    with Lab([BuilderSpec() for _ in range(5)]) as lab, tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp)
        env = _home_env(lab, home)
        _configure(lab, env)
        healthy = lab.builders[:3]
        builders = machines_file(lab, healthy, home / "machines")
        plain_ssh = _plain_ssh(lab)

        def with_master() -> float:
            """A fresh ControlMaster per build, closed afterwards, as nixswarm does."""
            with tempfile.TemporaryDirectory(dir="/tmp") as cm:
                opts = f"{plain_ssh} -o ControlMaster=auto -o ControlPath={cm}/%C -o ControlPersist=60"
                took = _timed(_plain(lab, builders), {**client, "NIX_SSHOPTS": opts})
                for b in healthy:
                    subprocess.run(
                        ["ssh", "-o", f"ControlPath={cm}/%C", "-O", "exit", f"root@{b.address}"],
                        capture_output=True,
                        check=False,
                    )
            return took

        client = lab.client_env()
        cases: dict[str, Callable[[], float]] = {
            "plain nix": lambda: _timed(_plain(lab, builders), {**client, "NIX_SSHOPTS": plain_ssh}),
            "plain nix + ControlMaster": with_master,
            "nixswarm build": lambda: _timed(_nixswarm_build(lab), env),
        }
        rows = _interleaved(cases, ROUNDS)
        lab.blackhole(lab.builder("b4"))
        lab.stop_sshd(lab.builder("b5"))
        dead = [_timed([NIXSWARM, "build", "--no-local", *_graph(lab)], env) for _ in range(ROUNDS)]
        with_dead = machines_file(lab, [lab.builder("b4"), *healthy], home / "machines-dead")  # Nix tries it first
        stall = _timed(_plain(lab, with_dead, 1, 1), {**client, "NIX_SSHOPTS": plain_ssh})
    startup, textual = _startup()
    base = statistics.median(rows["plain nix"])
    table = [f"| {name} | {summary(s)} | {base / statistics.median(s):.2f}x |" for name, s in rows.items()]
    markdown = "\n".join(
        [
            "## Build: overhead against plain nix",
            "",
            f"Seconds, median (min-max) of {ROUNDS} interleaved rounds; each round builds a fresh "
            "9-derivation, 3-level "
            "graph (sleep 0) with `--max-jobs 0` over the same 3 lab builders (ssh-ng, 1 slot each). Target for "
            f"nixswarm build: <= {TARGET} s.",
            "",
            "| command | seconds | speed-up vs plain nix |",
            "|---|---:|---:|",
            *table,
            "",
            link("build"),
            "",
            "### A dead and a blackholed builder in the selection",
            "",
            f"- nixswarm build with b4 blackholed and b5 refused in the saved selection: {summary(dead)} s "
            f"(healthy selection: {summary(rows['nixswarm build'])} s; penalty "
            f"{statistics.median(dead) - statistics.median(rows['nixswarm build']):+.2f} s).",
            f"- plain nix with the blackholed builder listed first, default ssh settings, one 1-derivation build: "
            f"{stall:.1f} s.",
            "",
            "### Start-up",
            "",
            f"`nixswarm build --help`: {summary(startup)} s over 20 runs; Textual imported: "
            f"{'yes' if textual else 'no'}.",
        ]
    )
    data = {
        "rounds": ROUNDS,
        "target": TARGET,
        "seconds": rows,
        "dead_selection": dead,
        "blackhole_first_plain": stall,
        "startup": startup,
        "textual_imported": textual,
    }
    return Section("build", markdown, data)


if __name__ == "__main__":
    print(run().markdown)
