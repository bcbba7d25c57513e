"""ETA accuracy and makespan on the 24-derivation timed lab graph (tests/lab/timed_graph.py) over 3 lab builders
with 2 slots each: the ETA's error on a first build (no history) and a second (the first's history), and the
makespan with nixswarm's duration-guided scheduler against Nix's own hook when one builder is far away."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import re
import statistics
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from bench.plots import link
from bench.results import Figures, Section
from nixswarm.build.pipeline import run_build
from nixswarm.build.prepare import BuildRequest
from nixswarm.cli import context
from tests.e2e.helpers import NIXSWARM, nixswarm_env, remove_runtime_dirs, run_nixswarm, salt
from tests.e2e.test_progress_eta import Sampling
from tests.lab import BuilderSpec, Lab
from tests.lab.timed_graph import SECONDS, timed_args, write_timed

ROUNDS = 3
ROUNDS_ENV = "NIXSWARM_BENCH_ETA_ROUNDS"
"""Overrides ROUNDS (a quick check that the section runs end to end: its figures mean nothing)."""
FRACTIONS = (0.25, 0.5, 0.75)
GOAL_AT_HALF = 0.15
"""Issue 15's goal: the predicted end within 15% of the build's real length, half-way through."""
SLOTS = 2
FAR, FAR_PORT, FAR_DELAY = "b1", 2222, 0.1
"""The far builder of the makespan: its sshd reached through a relay that holds every chunk back this long each way."""
CHECK_TIMEOUT = "10"
"""--timeout of the makespan builds: an ssh login to the far builder takes well over the LAN's 1 s."""
WARM = 2
"""Builds with Nix's own hook before the makespan rounds, so the history has times on every builder."""
GUIDED, NIX_OWN = "duration-guided (nixswarm)", "Nix's own hook (--placement nix)"
PLACEMENTS: dict[str, tuple[str, ...]] = {
    NIX_OWN: ("--placement", "nix", "--no-local"),
    GUIDED: ("--no-local",),
}
"""The placements, in the order each makespan round runs them."""


@contextmanager
def _environ(env: dict[str, str]) -> Iterator[None]:
    """os.environ replaced by env while the block runs (run_build reads the homes from it)."""
    saved = dict(os.environ)
    os.environ.clear()
    os.environ.update(env)
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


def _configure(lab: Lab, home: Path, far: bool) -> None:
    """Add and trust the lab's builders in home; far: FAR through its slow link."""
    for b in lab.builders:
        target = f"root@{b.address}:{FAR_PORT}" if far and b.name == FAR else f"root@{b.address}"
        for argv in (
            ["hosts", "add", b.name, target, "--identity", str(lab.client_key), "--max-jobs", str(SLOTS)],
            ["--timeout", CHECK_TIMEOUT, "hosts", "trust", b.name, "--fingerprint", b.fingerprint()],
        ):
            done = run_nixswarm(home, *argv)
            if done.returncode != 0:
                raise RuntimeError(f"nixswarm {' '.join(argv[:3])} failed: {done.stderr[-1500:]}")


def _sampled(lab: Lab, home: Path) -> tuple[Sampling, float]:
    """One build of the timed graph in this process, its ETA sampled every tick; the listener and when it ended."""
    nix = write_timed(lab.graph_dir)
    request = BuildRequest(nix_args=("-f", str(nix), *timed_args(lab.graph_dir, salt()), "--no-link"), local_weight="0")
    listener = Sampling(request)
    with _environ(nixswarm_env(home, {"NIX_CONF_DIR": str(lab.dir / "client-nix")})):
        settings, state = context.settings_for(argparse.Namespace(config=None)), context.state()
        code = asyncio.run(run_build(settings, state, request, listener))
    ended = time.monotonic()
    if code != 0:
        raise RuntimeError(f"the timed graph's build failed ({code})")
    return listener, ended


def _error(listener: Sampling, ended: float, fraction: float) -> float | None:
    """|predicted end - real end| / real length at the tick nearest fraction of the real length (as the e2e test);
    None when the ETA was unknown there."""
    length = ended - listener.began
    at, _, _, eta = min(listener.samples, key=lambda s: abs(s[0] - listener.began - fraction * length))
    return None if eta is None else abs(at + eta - ended) / length


def _eta_rounds(lab: Lab, tmp: Path, rounds: int) -> dict[str, Any]:
    """Per round a fresh home: a first build, then a second with the first's history."""
    errors: dict[str, dict[str, list[float | None]]] = {"first": {}, "second": {}}
    lengths: dict[str, list[float]] = {"first": [], "second": []}
    for n in range(rounds):
        home = tmp / f"eta{n}"
        _configure(lab, home, far=False)
        for build in ("first", "second"):
            listener, ended = _sampled(lab, home)
            lengths[build].append(ended - listener.began)
            for f in FRACTIONS:
                errors[build].setdefault(f"{f:g}", []).append(_error(listener, ended, f))
    return {"errors": errors, "seconds": lengths}


def _built_by(lab: Lab, stdout: str) -> list[tuple[str, str]]:
    """Each output of `nix build --json` and its builder (the timed graph's outputs hold its lab id)."""
    names = {b.lab_id: b.name for b in lab.builders}
    paths = [p for item in json.loads(stdout) for p in item["outputs"].values()]
    return [(p, names.get(text, text)) for p, text in ((p, Path(p).read_text().strip()) for p in paths)]


def _sleep(output: str) -> float:
    """The seconds the timed graph's node with this output sleeps (its name says its layer and index)."""
    found = re.search(r"-timed-l(\d+)-n(\d+)$", output)
    if found is None:
        raise ValueError(f"not an output of the timed graph: {output}")
    return float(SECONDS[int(found.group(1))][int(found.group(2))])


def _makespan_build(lab: Lab, env: dict[str, str], options: tuple[str, ...]) -> tuple[float, list[tuple[str, str]]]:
    """One `nixswarm build` of the timed graph with a new salt: seconds, and who built each derivation."""
    nix = write_timed(lab.graph_dir)
    argv = [NIXSWARM, "build", *options, "--timeout", CHECK_TIMEOUT, "-f", str(nix)]
    argv += [*timed_args(lab.graph_dir, salt()), "--no-link", "--json"]
    started = time.perf_counter()
    done = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=900, check=False)
    took = time.perf_counter() - started
    if done.returncode != 0:
        raise RuntimeError(f"nixswarm build {' '.join(options)} failed: {done.stderr[-2000:]}")
    return took, _built_by(lab, done.stdout)


def _makespan_rounds(lab: Lab, tmp: Path, rounds: int) -> dict[str, Any]:
    """One home with FAR far away: WARM builds with Nix's hook for the history, then the placements in turn."""
    home = tmp / "makespan"
    _configure(lab, home, far=True)
    env = nixswarm_env(home, {"NIX_CONF_DIR": str(lab.dir / "client-nix")})
    warm = [_makespan_build(lab, env, PLACEMENTS[NIX_OWN]) for _ in range(WARM)]
    cases: dict[str, dict[str, list[float]]] = {
        name: {"seconds": [], "far": [], "far_sleep": []} for name in PLACEMENTS
    }
    for _ in range(rounds):
        for name, options in PLACEMENTS.items():
            took, where = _makespan_build(lab, env, options)
            cases[name]["seconds"].append(took)
            cases[name]["far"].append(sum(1 for _, w in where if w == FAR))
            cases[name]["far_sleep"].append(sum(_sleep(path) for path, w in where if w == FAR))
    warm_far = [sum(1 for _, b in where if b == FAR) for _, where in warm]
    return {"cases": cases, "warm_seconds": [t for t, _ in warm], "warm_far": warm_far}


def _nix_version() -> str:
    done = subprocess.run(["nix", "--version"], capture_output=True, text=True, check=False)
    return done.stdout.strip().rsplit(" ", 1)[-1] or "?"


def measure(rounds: int) -> Figures:
    """Every figure of the section, from one lab."""
    load = os.getloadavg()[0]
    with Lab([BuilderSpec(max_jobs=SLOTS) for _ in range(3)]) as lab, tempfile.TemporaryDirectory() as tmp:
        lab.slow_link(lab.builder(FAR), FAR_PORT, FAR_DELAY)
        try:
            eta = _eta_rounds(lab, Path(tmp), rounds)
            makespan = _makespan_rounds(lab, Path(tmp), rounds)
        finally:
            remove_runtime_dirs()
    return {
        "rounds": rounds,
        "fractions": list(FRACTIONS),
        "goal_at_half": GOAL_AT_HALF,
        "derivations": sum(len(layer) for layer in SECONDS),
        "critical_path_s": sum(max(layer) for layer in SECONDS),
        "far": {"host": FAR, "delay_s": FAR_DELAY, "warm": WARM},
        "eta": eta,
        "makespan": makespan,
        "machine": platform.node(),
        "cores": os.cpu_count(),
        "load": round(load, 2),
        "nix": _nix_version(),
        "date": time.strftime("%Y-%m-%d"),
    }


def _pct(samples: list[float | None]) -> str:
    """`median (min-max)` in percent; unknown ETAs counted apart."""
    known = [s for s in samples if s is not None]
    unknown = len(samples) - len(known)
    if not known:
        return "unknown"
    text = f"{statistics.median(known):.1%} ({min(known):.1%}-{max(known):.1%})"
    return text + (f", {unknown} unknown" if unknown else "")


def _secs(samples: list[float]) -> str:
    return f"{statistics.median(samples):.1f} ({min(samples):.1f}-{max(samples):.1f})"


def markdown(data: Figures) -> str:
    """The section of docs/benchmarks.md from its figures."""
    eta, cases = data["eta"], data["makespan"]["cases"]
    rounds, far = data["rounds"], data["far"]
    eta_rows = [
        f"| {float(f):.0%} | {_pct(eta['errors']['first'][f])} | {_pct(eta['errors']['second'][f])} |"
        for f in eta["errors"]["second"]
    ]
    half = [e for e in eta["errors"]["second"]["0.5"] if e is not None]
    met = bool(half) and statistics.median(half) <= data["goal_at_half"]
    worst = max(half) if half else float("nan")
    base = statistics.median(cases[NIX_OWN]["seconds"])
    span_rows = [
        f"| {name} | {_secs(c['seconds'])} | {statistics.median(c['seconds']) / base:.2f}x | "
        f"{statistics.median(c['far']):g} ({min(c['far'])}-{max(c['far'])}) | "
        f"{statistics.median(c['far_sleep']):g} ({min(c['far_sleep'])}-{max(c['far_sleep'])}) |"
        for name, c in cases.items()
    ]
    guided = statistics.median(cases[GUIDED]["seconds"])
    shorter = "met" if guided < base else "missed"
    return "\n".join(
        [
            "## ETA: accuracy and makespan with build history",
            "",
            f"Measured on {data['machine']} ({data['cores']} cores, load average {data['load']:.2f} when it started, "
            f"Nix {data['nix']}), {data['date']}, in one lab: 3 builders with {SLOTS} slots each, sharing this "
            f"machine's CPU. The graph is tests/lab/timed_graph.py: {data['derivations']} derivations in 4 layers of "
            f"6, each layer needing the whole layer before it, each sleeping a known 1-4 s (critical path "
            f"{data['critical_path_s']} s of sleep); its names carry no salt, so a build with a new salt has the "
            "history of the last one.",
            "",
            "### ETA accuracy",
            "",
            f"{rounds} rounds, each in a fresh nixswarm home (empty history): a first build, then a second with a new "
            "salt and the first's history, both `--local-weight 0` and run in this process with a listener that "
            "reads the forecast at every tick (as tests/e2e/test_progress_eta.py). Error at a fraction: |t + ETA(t) "
            "- real end| / real length, at the tick nearest that fraction of the real length (the real end: when "
            "the build returned). Median (min-max) over the rounds. Build length, first: "
            f"{_secs(eta['seconds']['first'])} s; second: {_secs(eta['seconds']['second'])} s. Goal: within "
            f"{data['goal_at_half']:.0%} at 50% on the second build: **{'met' if met else 'missed'}** "
            f"(worst round {worst:.1%}).",
            "",
            "| point of the build | first build (no history) | second build (the first's history) |",
            "|---:|---:|---:|",
            *eta_rows,
            "",
            "### Makespan by placement",
            "",
            f"One nixswarm home; {far['host']} is a far builder: its sshd is reached through a relay "
            f"(tests/lab/slow_link.py) that holds every chunk back {far['delay_s']:g} s each way, so each "
            "derivation built there pays the round trips of Nix's remote build on top of its sleep, while the "
            "sleeps themselves take as long on every builder (the builders share one CPU; nothing else differs). "
            f"{far['warm']} builds with Nix's own hook first fill the history with every builder's times "
            f"({_secs(data['makespan']['warm_seconds'])} s); then {rounds} interleaved rounds of the two "
            "placements, each a new salt, `--no-local`, `--timeout 10`; every build adds to the same history. "
            "*Duration-guided*: `nixswarm build`'s scheduler weighs each derivation's past time per host, and keeps "
            "the near builders' free slots for the most urgent ready derivations (its look ahead, "
            "docs/building.md#the-scheduler), so the far builder should get the shortest sleeps; "
            "*Nix's own hook*: `--placement nix`. Seconds of the whole `nixswarm build`, median (min-max). "
            f"Goal: shorter with duration-guided placement: **{shorter}** ({guided:.1f} s against {base:.1f} s).",
            "",
            f"| placement | makespan, s | vs Nix's own | derivations built on {far['host']} (far), of "
            f"{data['derivations']} | their sleep, s of {sum(sum(layer) for layer in SECONDS)} |",
            "|---|---:|---:|---:|---:|",
            *span_rows,
            "",
            link("eta"),
        ]
    )


def run() -> Section:
    """The markdown section and its samples."""
    data = measure(int(os.environ.get(ROUNDS_ENV, ROUNDS)))
    return Section("eta", markdown(data), data)
