"""Soak: 200 scans and 50 builds in a row against the lab, builders going down and up between them; then count
what leaked (processes, file descriptors, namespaces, ssh masters, temp files)."""

from __future__ import annotations

import asyncio
import random
import secrets
import subprocess
import tempfile
import time
from pathlib import Path

from bench.build_bench import NIXSWARM, _configure, _home_env
from bench.results import Section
from nixswarm.model.facts_cache import FactsCache
from nixswarm.model.host import Host
from nixswarm.scan.session import HostReport, ScanOptions, scan
from nixswarm.store.settings import Defaults, HostEntry, Settings
from nixswarm.store.state import State
from tests.lab import Builder, BuilderSpec, Lab
from tests.lab.graph import graph_args

SCANS = 200
BUILDS = 50


def _flip(lab: Lab, rng: random.Random) -> None:
    """Take one builder down or bring it back (b1 stays up, so every build has somewhere to go)."""
    b: Builder = rng.choice(lab.builders[1:])
    if b.state == "up":
        lab.blackhole(b) if rng.random() < 0.5 else lab.stop_sshd(b)
    elif b.state == "blackhole":
        lab.unblackhole(b)
    else:
        lab.start_sshd(b)


def _scan_once(lab: Lab, settings: Settings) -> int:
    async def go() -> int:
        seen = 0
        options = ScanOptions(mdns=True, mdns_wait=0.3, interfaces=(lab.bridge_address,))
        async for event in scan(settings, State(), options, FactsCache()):
            seen += isinstance(event, HostReport)
        return seen

    return asyncio.run(go())


def _fds() -> int:
    return sum(1 for _ in Path("/proc/self/fd").iterdir())


def _ours(marker: str) -> list[str]:
    listing = subprocess.run(["ps", "-eo", "pid,args"], capture_output=True, text=True, check=True).stdout
    return [line for line in listing.splitlines() if marker in line and "ps -eo" not in line]


def run() -> Section:
    """The markdown section and its counts."""
    rng = random.Random(7)
    fds_before = _fds()
    tmp_before = {p.name for p in Path("/tmp").iterdir()}
    failures: list[str] = []
    builds_ok = 0
    started = time.monotonic()
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp)
        runtime = Path(tempfile.mkdtemp(prefix="nxsoak-"))
        with Lab([BuilderSpec() for _ in range(3)]) as lab:
            lab.start_advertisers()
            env = {**_home_env(lab, home), "XDG_RUNTIME_DIR": str(runtime)}
            _configure(lab, env)
            hosts = tuple(HostEntry(Host(b.name, (b.address,))) for b in lab.builders)
            settings = Settings(Defaults(user="root", identity=str(lab.client_key), timeout=1.0), hosts)
            for i in range(SCANS):
                if i % 4 == 0:
                    _flip(lab, rng)
                if _scan_once(lab, settings) < 3:
                    failures.append(f"scan {i} missed a host")
            fds_after_scans = _fds()
            for i in range(BUILDS):
                _flip(lab, rng)
                argv = [
                    NIXSWARM,
                    "build",
                    "--no-local",
                    "-f",
                    str(lab.graph()),
                    *graph_args(lab.graph_dir, secrets.token_hex(4), 2, 1, 0),
                    "--no-link",
                ]
                done = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=120, check=False)
                builds_ok += done.returncode == 0
                if done.returncode != 0:
                    failures.append(f"build {i}: {done.stderr.strip().splitlines()[-1:]}")
            masters = _ours(str(runtime))
            leftovers = list(runtime.iterdir())
            lab_id = lab.run_id
        runtime.rmdir()
    namespaces = [
        n
        for n in subprocess.run(["ip", "netns", "list"], capture_output=True, text=True, check=True).stdout.split()
        if n.startswith(f"nx{lab_id}")
    ]
    lab_procs = _ours(f"nxlab-{lab_id}")
    tmp_after = {p.name for p in Path("/tmp").iterdir()} - tmp_before
    fds_after = _fds()
    took = time.monotonic() - started
    complete = SCANS - sum("scan" in f for f in failures)
    fds = f"{fds_before} before, {fds_after_scans} after the scans, {fds_after} at the end"
    rows = [
        ("scans (in-process, mDNS pinned to the lab, probe timeout 1 s)", f"{SCANS}, {complete} saw every host"),
        ("builds (`nixswarm build --no-local`, 2 derivations)", f"{BUILDS}, {builds_ok} succeeded"),
        ("file descriptors of the scanning process (3 are the lab advertisers' pipes while it runs)", fds),
        ("ssh masters left running", str(len(masters))),
        ("build folders left in $XDG_RUNTIME_DIR", str(len(leftovers))),
        ("namespaces of the lab left", str(len(namespaces))),
        ("processes of the lab left", str(len(lab_procs))),
        ("new entries in /tmp", ", ".join(sorted(tmp_after)) or "none"),
    ]
    markdown = "\n".join(
        [
            "## Soak",
            "",
            f"{SCANS} scans, then {BUILDS} builds, against 3 lab builders; before every build and "
            "every 4th scan one of "
            f"b2/b3 goes down (sshd stopped or packets dropped) or comes back. {took:.0f} s in all.",
            "",
            "| what | result |",
            "|---|---|",
            *(f"| {a} | {b} |" for a, b in rows),
            *([""] + [f"- {f}" for f in failures[:10]] if failures else []),
        ]
    )
    left = {
        "ssh masters": len(masters),
        "build folders": len(leftovers),
        "namespaces": len(namespaces),
        "lab processes": len(lab_procs),
        "tmp entries": sorted(tmp_after),
    }
    data = {
        "scans": SCANS,
        "scans_complete": complete,
        "builds": BUILDS,
        "builds_ok": builds_ok,
        "seconds": took,
        "fds": {"before": fds_before, "after_scans": fds_after_scans, "after": fds_after},
        "left": left,
        "failures": failures,
    }
    return Section("soak", markdown, data)
