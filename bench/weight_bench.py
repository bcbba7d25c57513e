"""--local-weight on a fan-out: local share and makespan of 12 independent derivations (sleep 1.5 s each),
2 local slots and 2 lab builders with 2 slots each, through `nixswarm build`."""

from __future__ import annotations

import json
import secrets
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

from bench.build_bench import NIXSWARM, _configure, _home_env
from bench.plots import link
from bench.results import Section
from tests.lab import BuilderSpec, Lab
from tests.lab.graph import graph_args, read_graph_outputs

ROUNDS = 3
WIDTH = 12
CASES: dict[str, tuple[str, ...]] = {
    "Nix's own (no weight)": (),
    "prefer-local": ("--local-weight", "prefer-local"),
    "50%": ("--local-weight", "50%"),
    "25%": ("--local-weight", "25%"),
    "remote-only": ("--no-local",),
}


def _one(lab: Lab, env: dict[str, str], options: tuple[str, ...]) -> tuple[float, int]:
    argv = [
        NIXSWARM,
        "build",
        *options,
        "-j",
        "2",
        "-f",
        str(lab.graph()),
        *graph_args(lab.graph_dir, secrets.token_hex(4), WIDTH, 1, 1.5),
        "--no-link",
        "--json",
    ]
    started = time.perf_counter()
    done = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=600, check=True)
    took = time.perf_counter() - started
    nodes = read_graph_outputs([p for item in json.loads(done.stdout) for p in item["outputs"].values()])
    return took, sum(1 for n in nodes if n.built_by == "local")


def run() -> Section:
    """The markdown section and its samples."""
    results: dict[str, list[tuple[float, int]]] = {}
    with Lab([BuilderSpec(max_jobs=2), BuilderSpec(max_jobs=2)]) as lab, tempfile.TemporaryDirectory() as tmp:
        env = _home_env(lab, Path(tmp))
        _configure(lab, env)
        for _ in range(ROUNDS):
            for name, options in CASES.items():
                results.setdefault(name, []).append(_one(lab, env, options))
    rows = []
    for name, samples in results.items():
        shares = [local / WIDTH for _, local in samples]
        rows.append(
            f"| {name} | {statistics.mean(shares):.0%} ({min(shares):.0%}-{max(shares):.0%}) | "
            f"{statistics.median(t for t, _ in samples):.1f} |"
        )
    markdown = "\n".join(
        [
            "## Local weight on a fan-out",
            "",
            f"{WIDTH} independent derivations of 1.5 s, `-j 2` local slots, 2 builders with 2 slots each; "
            f"{ROUNDS} interleaved rounds. Local share: mean (min-max) of derivations built locally. Makespan: median "
            "seconds of the whole `nixswarm build`.",
            "",
            "| weight | local share | makespan (s) |",
            "|---|---:|---:|",
            *rows,
            "",
            link("weight"),
        ]
    )
    cases = {
        name: {"seconds": [t for t, _ in samples], "local": [n for _, n in samples]}
        for name, samples in results.items()
    }
    return Section("weight", markdown, {"rounds": ROUNDS, "width": WIDTH, "cases": cases})
