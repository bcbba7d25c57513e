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
    nar_size: int | None = None,
) -> Run:
    """A row, x86_64-linux under Nix 2.18.1 unless told."""
    return Run(name, "x86_64-linux", host_key, host_name, "2.18.1", started, seconds, outcome, nar_size)


NIX_2_8_0 = NixVersion(2, 8, 0)


def prepared(client: NixVersion = NIX_2_8_0) -> Prepared:
    """A build planned with b1 (key KEY_B1) as its one builder."""
    settings = LocalNixSettings(client, "x86_64-linux", (), "auto", (), ("build-remote",), 2)
    entry = HostEntry(Host("b1", ("10.0.0.2",)))
    machine = MachineEntry(host="nixswarm-b1", scheme="ssh-ng", systems=("x86_64-linux",), host_key=KEY_B1)
    plan = Plan((HostLine(Selected(entry, KEY_B1), machine, "ssh-ng://nixswarm-b1"),), (), ("x86_64-linux",))
    return Prepared(NixSetup(settings, daemon=False, trusted=True, user="anna"), plan)


def drv(
    name: str, host: str, seconds: float = 2.0, status: str = "built", started: float | None = None, path: str = ""
) -> DrvSummary:
    """One derivation of a summary (its .drv at path, by default a store path that does not exist)."""
    path = path or f"/nix/store/{'0' * 32}-{name}.drv"
    ok = status == "built"
    return {"drv": path, "host": host, "started": started, "seconds": seconds, "ok": ok, "status": status, "error": ""}


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


V1 = (
    "CREATE TABLE names (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE)",
    "CREATE TABLE hosts (id INTEGER PRIMARY KEY, key TEXT NOT NULL UNIQUE, name TEXT NOT NULL)",
    "CREATE TABLE runs (id INTEGER PRIMARY KEY, name_id INTEGER NOT NULL REFERENCES names (id), system TEXT NOT NULL,"
    " host_id INTEGER NOT NULL REFERENCES hosts (id), nix_version TEXT NOT NULL, started REAL NOT NULL,"
    " seconds REAL NOT NULL, outcome TEXT NOT NULL, nar_size INTEGER)",
    "CREATE TABLE stats (name_id INTEGER NOT NULL, host_id INTEGER NOT NULL, runs INTEGER NOT NULL,"
    " built INTEGER NOT NULL, failures INTEGER NOT NULL, seconds REAL NOT NULL, median REAL, last REAL,"
    " PRIMARY KEY (name_id, host_id)) WITHOUT ROWID",
    "CREATE INDEX runs_by_name ON runs (name_id, host_id, outcome, seconds)",
    "CREATE INDEX runs_by_host ON runs (host_id, id)",
    "PRAGMA user_version = 1",
)
"""Schema version 1, as the first release wrote it: stats without the NAR size."""


def make_v1(path: Path, runs: list[tuple[str, str, float, str, int | None]]) -> None:
    """A version 1 database holding runs (name, host key, seconds, outcome, NAR size), its stats up to date."""
    db = sqlite3.connect(path, isolation_level=None)
    for statement in V1:
        db.execute(statement)
    for name, key, seconds, outcome, nar_size in runs:
        db.execute("INSERT OR IGNORE INTO names (name) VALUES (?)", (name,))
        db.execute("INSERT OR IGNORE INTO hosts (key, name) VALUES (?, ?)", (key, key[-1]))
        db.execute(
            "INSERT INTO runs (name_id, system, host_id, nix_version, started, seconds, outcome, nar_size)"
            " SELECT names.id, 'x86_64-linux', hosts.id, '2.8.0', 1.0, ?, ?, ? FROM names, hosts"
            " WHERE names.name = ? AND hosts.key = ?",
            (seconds, outcome, nar_size, name, key),
        )
    db.execute(
        "INSERT INTO stats SELECT name_id, host_id, COUNT(*), SUM(outcome = 'built'), SUM(outcome = 'failed'),"
        " SUM(seconds), NULL, NULL FROM runs GROUP BY name_id, host_id"
    )
    db.close()
