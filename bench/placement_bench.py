"""Placement: Nix's own hook against nixswarm's scheduler, with and without --local-weight 50%, on 3 lab builders
(2 slots each): bytes copied for chains of large outputs, work sent to a host over its owner's load limit, and the
scheduler's own time. Each client Nix in its own lab: this machine's (2.8) here, sid's (2.34) in its chroot."""

from __future__ import annotations

import json
import os
import platform
import secrets
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.build_bench import NIXSWARM, _home_env
from bench.chroot_client import client_main, measure_in_chroot, rounds_from_env
from bench.placement_report import markdown
from bench.results import Figures, Section
from bench.versions_bench import OTHER_CLIENTS
from tests.lab import BuilderSpec, Lab
from tests.lab.chains import chains_args, read_chain_outputs, write_chains
from tests.lab.graph import graph_args, read_graph_outputs
from tests.lab.shaping import limit_links

ROUNDS = 3
ROUNDS_ENV = "NIXSWARM_BENCH_PLACEMENT_ROUNDS"
"""Overrides ROUNDS (a quick check that the section runs end to end: its figures mean nothing)."""
SAVED_ENV = "NIXSWARM_BENCH_PLACEMENT_SAVED"
SAVED_AT = Path(tempfile.gettempdir()) / "nixswarm-placement-clients.json"
"""Where run() keeps every client's figures as soon as they are measured (a later failure keeps them)."""
SLOTS = 2
"""Build slots per builder (and local slots, -j, when the local weight lets Nix build here)."""
BUSY, BUSY_LOAD, OWNER_MAX_LOAD = "b1", 8.0, 2.0
CHAINS, CONSUMERS, MIB, CONSUMER_SLEEP = 2, 6, 200, 1.0
BUSY_GRAPH = (6, 2, 1.0)
"""Width, depth and seconds of sleep per derivation of the lab graph built beside the busy host."""
SMALL_GRAPH = (8, 3, 0.0)
"""The many-small-derivations graph of the overhead makespan."""
LINK = "1gbit"
"""What the client and every builder may send (tests/lab/shaping.py), as on a team's LAN: the lab's veths would
move a copy several times faster, which no LAN does."""
QUIET_LOAD, QUIET_WAIT = 1.5, 30.0
"""Before each build, wait (at most QUIET_WAIT s) until this machine's 1-minute load is below QUIET_LOAD."""
NIX_OWN, NIX_WEIGHT = "Nix's own", "Nix's own + weight 50%"
SCHEDULER, SCHEDULER_WEIGHT = "scheduler", "scheduler + weight 50%"
CASES: dict[str, tuple[str, ...]] = {
    NIX_OWN: ("--placement", "nix", "--no-local"),
    NIX_WEIGHT: ("--placement", "nix", "--local-weight", "50%"),
    SCHEDULER: ("--no-local",),
    SCHEDULER_WEIGHT: ("--local-weight", "50%"),
}
"""The placements, in the order each round runs them."""


def _quiet() -> float:
    """Wait until the machine is quiet enough (or QUIET_WAIT has passed); the 1-minute load it starts at."""
    deadline = time.monotonic() + QUIET_WAIT
    while os.getloadavg()[0] >= QUIET_LOAD and time.monotonic() < deadline:
        time.sleep(2)
    return round(os.getloadavg()[0], 2)


class Bench:
    """One lab and one nixswarm home; every build of every scenario, with what each one measured."""

    def __init__(self, lab: Lab, home: Path) -> None:
        self.lab, self.home = lab, home
        self.env = _home_env(lab, home)
        self.names = {b.lab_id: b.name for b in lab.builders} | {"local": "local"}
        self.loads: list[float] = []
        self.decided_ms: list[float] = []
        self.started = 0.0
        """time.time() when the last build started (the placement records' `at` are on that clock)."""
        self.nix_small = float("inf")
        """Seconds of the last small-graph build with Nix's own placement."""
        self.bandwidth: dict[str, int] = {}
        """The last build's measured copy bandwidths (bytes per second by host)."""
        self.odd: list[dict[str, Any]] = []
        """Placement records of scheduler builds whose choices look wrong (at most one per scenario)."""

    def configure(self) -> None:
        for b in self.lab.builders:
            owner = ["--owner-max-load", f"{OWNER_MAX_LOAD:g}"] if b.name == BUSY else []
            add = ["hosts", "add", b.name, f"root@{b.address}", "--identity", str(self.lab.client_key)]
            for argv in (
                [*add, "--max-jobs", str(b.max_jobs), *owner],
                ["hosts", "trust", b.name, "--fingerprint", b.fingerprint()],
            ):
                subprocess.run([NIXSWARM, *argv], env=self.env, capture_output=True, check=True)

    def build(self, case: str, target: list[str]) -> tuple[float, list[str], list[dict[str, Any]]]:
        """One `nixswarm build` of target under case's placement: seconds, out paths, placement records (and in
        self.bandwidth, each builder's copy bandwidth as the build measured it)."""
        summary = self.home / "summary.json"
        argv = [NIXSWARM, "build", *CASES[case], "-j", str(SLOTS), "--json-summary", str(summary), *target]
        self.loads.append(_quiet())
        self.started = time.time()
        started = time.perf_counter()
        argv += ["--no-link", "--json"]
        done = subprocess.run(argv, env=self.env, capture_output=True, text=True, timeout=900, check=False)
        took = time.perf_counter() - started
        if done.returncode != 0:
            raise RuntimeError(f"{case}: nixswarm build failed ({done.returncode}): {done.stderr[-2000:]}")
        said = json.loads(summary.read_text())
        placement = said["placement"]
        self.bandwidth = said.get("bandwidth", {})
        self.decided_ms += [p["decided_ms"] for p in placement if p.get("decided_ms") is not None]
        return took, [p for item in json.loads(done.stdout) for p in item["outputs"].values()], placement

    def locality(self, case: str) -> dict[str, Any]:
        nix = write_chains(self.lab.graph_dir)
        args = chains_args(
            self.lab.graph_dir, secrets.token_hex(4), chains=CHAINS, consumers=CONSUMERS, mib=MIB, sleep=CONSUMER_SLEEP
        )
        names = [b.name for b in self.lab.builders]
        sent = [self.lab.bytes_to(n) for n in names]
        back = [self.lab.bytes_from(n) for n in names]
        took, paths, placement = self.build(case, ["-f", str(nix), *args])
        sent = [self.lab.bytes_to(n) - s for n, s in zip(names, sent, strict=True)]
        back = [self.lab.bytes_from(n) - s for n, s in zip(names, back, strict=True)]
        chains: dict[str, dict[str, Any]] = {}
        for node in sorted(read_chain_outputs(paths), key=lambda n: not n.producer):
            chain = chains.setdefault(f"chain {node.chain}", {"producer": "", "consumers": {}})
            host = self.names.get(node.built_by, node.built_by)
            if node.producer:
                chain["producer"] = host
            else:
                chain["consumers"][host] = chain["consumers"].get(host, 0) + 1
        with_producer = sum(c["consumers"].get(c["producer"], 0) for c in chains.values())
        elsewhere = [h for c in chains.values() for h in c["consumers"] if h not in (c["producer"], "local")]
        if case in (SCHEDULER, SCHEDULER_WEIGHT) and elsewhere:
            self._odd("locality", case, placement, f"consumers copied to {', '.join(sorted(set(elsewhere)))}")
        measured = sorted(self.bandwidth.values())
        return {
            "seconds": took,
            "sent": sum(sent),
            "back": sum(back),
            "with_producer": with_producer,
            "chains": chains,
            "bandwidth": measured[len(measured) // 2] if measured else None,
        }

    def busy(self, case: str) -> dict[str, Any]:
        width, depth, sleep = BUSY_GRAPH
        args = graph_args(self.lab.graph_dir, secrets.token_hex(4), width, depth, sleep)
        took, paths, placement = self.build(case, ["-f", str(self.lab.graph()), *args])
        where = [self.names.get(n.built_by, n.built_by) for n in read_graph_outputs(paths)]
        if case in (SCHEDULER, SCHEDULER_WEIGHT) and BUSY in where:
            self._odd("busy", case, placement, f"{BUSY} built {where.count(BUSY)}")
        hosts = {h: where.count(h) for h in sorted(set(where))}
        return {"seconds": took, "busy": where.count(BUSY), "hosts": hosts}

    def small(self, case: str) -> dict[str, Any]:
        width, depth, sleep = SMALL_GRAPH
        args = graph_args(self.lab.graph_dir, secrets.token_hex(4), width, depth, sleep)
        took, _, placement = self.build(case, ["-f", str(self.lab.graph()), *args])
        if case == NIX_OWN:
            self.nix_small = took
        elif case == SCHEDULER and took > 1.5 * self.nix_small:
            self._odd("small", case, placement, f"{took:.2f} s against {self.nix_small:.2f} s with Nix's own")
        return {"seconds": took}

    def _odd(self, scenario: str, case: str, placement: list[dict[str, Any]], what: str) -> None:
        if not any(o["scenario"] == scenario for o in self.odd):
            odd = {"scenario": scenario, "case": case, "what": what, "build_started_at": self.started}
            self.odd.append({**odd, "placement": placement})


def _rounds(bench: Bench, scenario: str, rounds: int) -> dict[str, dict[str, list[Any]]]:
    """Each case's samples of one scenario, the cases interleaved in every round; a sample's keys become lists."""
    measure = {"locality": bench.locality, "busy": bench.busy, "small": bench.small}[scenario]
    out: dict[str, dict[str, list[Any]]] = {case: {} for case in CASES}
    for i in range(rounds):
        for case in CASES:
            sample = measure(case)
            print(f"{scenario} round {i + 1} {case}: {sample}", file=sys.stderr, flush=True)
            for key, value in sample.items():
                out[case].setdefault(key, []).append(value)
    return out


def measure(rounds: int) -> Figures:
    """One client's figures: the Nix and Python this process runs with, on 3 builders of that same Nix."""
    specs = [BuilderSpec(max_jobs=SLOTS) for _ in range(3)]
    started = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    with Lab(specs) as lab, tempfile.TemporaryDirectory() as tmp:
        limit_links(lab, LINK)
        bench = Bench(lab, Path(tmp))
        bench.configure()
        locality = _rounds(bench, "locality", rounds)
        lab.set_load(BUSY, BUSY_LOAD)
        busy = _rounds(bench, "busy", rounds)
        lab.set_load(BUSY, 0.0)
        small = _rounds(bench, "small", rounds)
    nix = subprocess.run(["nix", "--version"], capture_output=True, text=True, check=True).stdout.split()[-1]
    return {
        "nix": nix,
        "python": platform.python_version(),
        "started": started,
        "link": LINK,
        "locality": locality,
        "busy": busy,
        "small": small,
        "decided_ms": bench.decided_ms,
        "loads": bench.loads,
        "odd": bench.odd,
    }


def _measure_in_chroot(series: str, suite: str, rounds: int) -> Figures:
    stdout = measure_in_chroot("bench.placement_bench", series, suite, rounds)
    found = json.loads(stdout.strip().splitlines()[-1])
    if not isinstance(found, dict) or not {"nix", "locality", "busy", "small"} <= found.keys():
        raise ValueError(f"`--measure` printed no figures; its stdout ended with: {stdout[-500:]!r}")
    return found


def rounds_wanted() -> int:
    """ROUNDS, or the number in $NIXSWARM_BENCH_PLACEMENT_ROUNDS."""
    return rounds_from_env(ROUNDS_ENV, ROUNDS)


def parameters(rounds: int) -> Figures:
    """What every client measured with, for the markdown."""
    return {
        "rounds": rounds,
        "slots": SLOTS,
        "chains": CHAINS,
        "consumers": CONSUMERS,
        "mib": MIB,
        "consumer_sleep": CONSUMER_SLEEP,
        "busy_graph": list(BUSY_GRAPH),
        "small_graph": list(SMALL_GRAPH),
        "busy_load": BUSY_LOAD,
        "owner_max_load": OWNER_MAX_LOAD,
        "quiet_load": QUIET_LOAD,
        "quiet_wait": QUIET_WAIT,
        "cases": {name: " ".join(options) for name, options in CASES.items()},
    }


def run(rounds: int | None = None) -> Section:
    """The markdown section and its figures (rounds: default rounds_wanted()). With $NIXSWARM_BENCH_PLACEMENT_SAVED
    naming a JSON list of clients' figures (SAVED_AT keeps what a run measured), those are written instead."""
    rounds = rounds or rounds_wanted()
    started = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    saved = os.environ.get(SAVED_ENV)
    if saved:
        clients = json.loads(Path(saved).read_text())
        rounds = len(clients[0]["small"][NIX_OWN]["seconds"])
    else:
        clients = [measure(rounds)]
        SAVED_AT.write_text(json.dumps(clients))
        for series, suite in OTHER_CLIENTS.items():
            clients.append(_measure_in_chroot(series, suite, rounds))
            SAVED_AT.write_text(json.dumps(clients))
    data = {
        **parameters(rounds),
        "machine": platform.node(),
        "cores": os.cpu_count(),
        "date": min(c.get("started", started) for c in clients),
        "clients": clients,
    }
    return Section("placement", markdown(data), data)


def main() -> None:
    client_main(
        "bench.placement_bench", __doc__, measure, run, rounds_env=ROUNDS_ENV, rounds_default=ROUNDS, what="figures"
    )


if __name__ == "__main__":
    main()
