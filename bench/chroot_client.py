"""What the benchmarks that measure each Nix of the matrix as the client share: their rounds from the environment,
their run of themselves in a Nix's chroot (`--measure`), and their command line."""

from __future__ import annotations

import argparse
import json
import os
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench.results import Section
from tests.lab.nixroots import root_for

REPO = Path(__file__).parents[1]


def rounds_from_env(name: str, default: int) -> int:
    """default, or the number in $name."""
    value = os.environ.get(name, str(default))
    if not value.isdigit() or int(value) < 1:
        raise ValueError(f"{name}={value!r}: expected a whole number of rounds, at least 1")
    return int(value)


def measure_in_chroot(module: str, series: str, suite: str, rounds: int, *, timeout: float | None = None) -> str:
    """The stdout of `python -m module --measure --rounds N` run with the chroot's Nix series (suite's venv);
    RuntimeError when it cannot run or fails (its stderr goes to ours)."""
    venv = REPO / ".venv-nix" / suite
    if not (venv / "pyvenv.cfg").exists():
        raise RuntimeError(f"no venv at {venv}: `tests/matrix/client.sh {suite} --co -q` makes it")
    argv = [str(REPO / "tests" / "matrix" / "in_root.sh"), str(root_for(series)), str(venv / "bin" / "python")]
    argv += ["-m", module, "--measure", "--rounds", str(rounds)]
    done = subprocess.run(argv, stdout=subprocess.PIPE, text=True, timeout=timeout, check=False)
    if done.returncode != 0 or not done.stdout.strip():
        raise RuntimeError(f"measuring Nix {series} in {root_for(series)} failed with exit code {done.returncode}")
    return done.stdout


def client_main(
    module: str,
    doc: str | None,
    measure: Callable[[int], Any],
    run: Callable[[int], Section],
    *,
    rounds_env: str,
    rounds_default: int,
    what: str,
) -> None:
    """`python -m module [--measure] [--rounds N]`: the section's markdown, or with --measure the figures (what
    they are called: "samples", "figures") of the Nix this process runs with, as JSON on stdout."""
    parser = argparse.ArgumentParser(prog=f"python -m {module}", description=doc)
    measure_help = f"measure only the Nix this process runs with; print its {what} as JSON on stdout"
    parser.add_argument("--measure", action="store_true", help=measure_help)
    parser.add_argument("--rounds", type=int, default=None, help=f"rounds (default ${rounds_env} or {rounds_default})")
    args = parser.parse_args()
    if args.rounds is not None and args.rounds < 1:
        parser.error("--rounds: at least 1")
    rounds = args.rounds or rounds_from_env(rounds_env, rounds_default)
    print(json.dumps(measure(rounds)) if args.measure else run(rounds).markdown, flush=True)
