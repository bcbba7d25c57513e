"""Build overhead against plain nix per client Nix: this machine's own (2.8) run here, sid's (2.34) run in its chroot,
each on the 9-derivation lab graph over 3 builders of the client's own Nix."""

from __future__ import annotations

import json
import os
import platform
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

from bench.build_bench import _configure, _home_env, _interleaved, _nixswarm_build, _plain, _plain_ssh, _timed
from bench.chroot_client import client_main, measure_in_chroot, rounds_from_env
from bench.plots import link
from bench.results import Figures, Section
from bench.stats import summary
from tests.e2e.helpers import machines_file
from tests.lab import BuilderSpec, Lab

ROUNDS = 5
ROUNDS_ENV = "NIXSWARM_BENCH_VERSIONS_ROUNDS"
"""Overrides ROUNDS, for a quick check that the section runs end to end (its figures mean nothing)."""
OTHER_CLIENTS = {"2.34": "sid"}
"""Client Nix series measured inside a chroot of tests/matrix/nixroot.sh, with the venv tests/matrix/client.sh made
in .venv-nix/<suite>."""
PLAIN = "plain nix"
NIXSWARM = "nixswarm build"


def measure(rounds: int) -> Figures:
    """One client's samples: the Nix and Python this process runs with, on 3 builders of that same Nix."""
    with Lab([BuilderSpec() for _ in range(3)]) as lab, tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp)
        env = _home_env(lab, home)
        _configure(lab, env)
        builders = machines_file(lab, lab.builders, home / "machines")
        plain_env = {**lab.client_env(), "NIX_SSHOPTS": _plain_ssh(lab)}
        seconds = _interleaved(
            {
                PLAIN: lambda: _timed(_plain(lab, builders), plain_env),
                NIXSWARM: lambda: _timed(_nixswarm_build(lab), env),
            },
            rounds,
        )
    nix = subprocess.run(["nix", "--version"], capture_output=True, text=True, check=True).stdout.split()[-1]
    return {"nix": nix, "python": platform.python_version(), "seconds": seconds}


def parse_client(stdout: str) -> Figures:
    """The samples `--measure` printed: its last line of stdout, checked."""
    lines = stdout.strip().splitlines()
    try:
        found = json.loads(lines[-1]) if lines else None
    except ValueError:
        found = None
    if not isinstance(found, dict) or not {"nix", "python", "seconds"} <= found.keys():
        raise ValueError(f"`--measure` printed no samples; its stdout ended with: {stdout[-500:]!r}")
    seconds = found["seconds"]
    if sorted(seconds) != sorted([PLAIN, NIXSWARM]) or not all(seconds.values()):
        raise ValueError(f"`--measure` printed samples of {sorted(seconds)}, expected {PLAIN!r} and {NIXSWARM!r}")
    return found


def _measure_in_chroot(series: str, suite: str, rounds: int) -> Figures:
    return parse_client(measure_in_chroot("bench.versions_bench", series, suite, rounds, timeout=3600))


def rounds_wanted() -> int:
    """ROUNDS, or the number in $NIXSWARM_BENCH_VERSIONS_ROUNDS."""
    return rounds_from_env(ROUNDS_ENV, ROUNDS)


def run(rounds: int | None = None) -> Section:
    """The markdown section and its samples (rounds: default rounds_wanted())."""
    rounds = rounds or rounds_wanted()
    load = os.getloadavg()[0]
    clients = [measure(rounds)]
    clients += [_measure_in_chroot(series, suite, rounds) for series, suite in OTHER_CLIENTS.items()]
    data = {
        "rounds": rounds,
        "machine": platform.node(),
        "cores": os.cpu_count(),
        "date": time.strftime("%Y-%m-%d"),
        "load": round(load, 2),
        "clients": clients,
    }
    return Section("versions", markdown(data), data)


def markdown(data: Figures) -> str:
    """The section of docs/benchmarks.md, one column per client Nix."""
    clients = data["clients"]
    plain = [statistics.median(c["seconds"][PLAIN]) for c in clients]
    ours = [statistics.median(c["seconds"][NIXSWARM]) for c in clients]

    def row(name: str, cells: list[str]) -> str:
        return f"| {name} | {' | '.join(cells)} |"

    return "\n".join(
        [
            "## Nix versions: build overhead against plain nix",
            "",
            f"Measured on {data['machine']} ({data['cores']} cores, load average {data['load']:.2f} when it started), "
            f"{data['date']}: {data['rounds']} interleaved rounds per client Nix (plain nix, then nixswarm build, in "
            "turn). Each round builds a fresh 9-derivation, 3-level graph (sleep 0) over 3 lab builders that run the "
            "client's own Nix (ssh-ng, 1 slot each). *plain nix*: `nix build --max-jobs 0 --builders @FILE` with the "
            "builders file nixswarm writes and plain ssh options; *nixswarm build*: `nixswarm build --no-local` on the "
            f"same builders. The Nix {clients[0]['nix']} client is this machine's own; Nix 2.34 runs in a Debian sid "
            "chroot (`tests/matrix/in_root.sh`), nixswarm there with sid's Python. Seconds: median (min-max). "
            "Overhead: nixswarm build's median minus plain nix's, and their ratio (below 1.00x, nixswarm build was "
            "the faster).",
            "",
            row("client Nix", [c["nix"] for c in clients]),
            "|---|" + "---:|" * len(clients),
            row("plain nix, s", [summary(c["seconds"][PLAIN]) for c in clients]),
            row("nixswarm build, s", [summary(c["seconds"][NIXSWARM]) for c in clients]),
            row("overhead, s", [f"{o - p:+.3f}" for p, o in zip(plain, ours, strict=True)]),
            row("overhead, ratio", [f"{o / p:.2f}x" for p, o in zip(plain, ours, strict=True)]),
            row("nixswarm's Python", [c["python"] for c in clients]),
            "",
            link("versions"),
        ]
    )


def main() -> None:
    client_main(
        "bench.versions_bench", __doc__, measure, run, rounds_env=ROUNDS_ENV, rounds_default=ROUNDS, what="samples"
    )


if __name__ == "__main__":
    main()
