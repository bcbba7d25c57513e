"""Rows and builds for the history tests: known runs, a prepared build, a v0 database."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from nixswarm.build.nix_setup import NixSetup
from nixswarm.build.plan import HostLine, Plan
from nixswarm.build.prepare import Prepared
from nixswarm.build.results import DrvSummary, Summary
from nixswarm.files.selection import Selected
from nixswarm.history.runs import Outcome, Run
from nixswarm.history.schema import V0_RUNS
from nixswarm.model.host import Host
from nixswarm.model.hostkey import HostKey
from nixswarm.model.nixversion import NixVersion
from nixswarm.nix.entry import MachineEntry
from nixswarm.nix.local_settings import LocalNixSettings
from nixswarm.store.settings import HostEntry

KEY_B1 = HostKey.parse("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl")
"""b1's host key."""
FP_A = "SHA256:" + "a" * 43
FP_B = "SHA256:" + "b" * 43


def run(
    name: str = "hello-2.12.1",
    host_key: str = FP_A,
    seconds: float = 1.0,
    outcome: Outcome = "built",
    host_name: str = "a",
    started: float = 1_700_000_000.0,
) -> Run:
    """A row, x86_64-linux under Nix 2.18.1 unless told."""
    return Run(name, "x86_64-linux", host_key, host_name, "2.18.1", started, seconds, outcome)


NIX_2_8_0 = NixVersion(2, 8, 0)


def prepared(client: NixVersion = NIX_2_8_0) -> Prepared:
    """A build planned with b1 (key KEY_B1) as its one builder."""
    settings = LocalNixSettings(client, "x86_64-linux", (), "auto", (), ("build-remote",), 2)
    entry = HostEntry(Host("b1", ("10.0.0.2",)))
    machine = MachineEntry(host="nixswarm-b1", scheme="ssh-ng", systems=("x86_64-linux",), host_key=KEY_B1)
    plan = Plan((HostLine(Selected(entry, KEY_B1), machine, "ssh-ng://nixswarm-b1"),), (), ("x86_64-linux",))
    return Prepared(NixSetup(settings, daemon=False, trusted=True, user="anna"), plan)


def drv(name: str, host: str, seconds: float = 2.0, status: str = "built") -> DrvSummary:
    """One derivation of a summary (its .drv does not exist)."""
    path = f"/nix/store/{'0' * 32}-{name}.drv"
    return {"drv": path, "host": host, "seconds": seconds, "ok": status == "built", "status": status, "error": ""}


def summary(*derivations: DrvSummary) -> Summary:
    """A build's summary with these derivations."""
    return {"hosts": {}, "derivations": list(derivations), "errors": []}


def make_v0(path: Path, rows: list[tuple[str, str, str, str, str, float, float, str]]) -> None:
    """A pre-release database (user_version 0, one flat table without nar_size) holding rows."""
    db = sqlite3.connect(path)
    db.execute(V0_RUNS)
    db.executemany(
        "INSERT INTO runs (name, system, host_key, host_name, nix_version, started, seconds, outcome)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        rows,
    )
    db.commit()
    db.close()
