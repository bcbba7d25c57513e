"""Cost of the build history: recording a build's derivations, and `nixswarm history` over 100,000 rows."""

from __future__ import annotations

import compileall
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nixswarm
from bench.results import Section
from nixswarm.build.results import DrvSummary, Summary
from nixswarm.history.database import open_history
from nixswarm.history.from_build import record_build
from nixswarm.history.queries import drv_stats, host_stats
from nixswarm.history.runs import Run, add_runs
from tests.unit.history_data import prepared

ROWS = 100_000
NAMES = 2_000
HOSTS = 8
BUILD = 50
"""Derivations per recorded build."""
ROUNDS = 10
TARGETS = {"record_ms_per_drv": 1.0, "history_ms": 200.0}


def _filler() -> list[Run]:
    """ROWS runs of NAMES names over HOSTS hosts, one in ten failed, 1-100 s each."""
    rnd = random.Random(15)
    hosts = [(f"SHA256:{i:043d}", f"b{i}") for i in range(HOSTS)]
    return [
        Run(
            f"pkg{rnd.randrange(NAMES)}-1.0",
            "x86_64-linux",
            *rnd.choice(hosts),
            "2.18.1",
            1.7e9 + i,
            rnd.uniform(1, 100),
            "failed" if rnd.random() < 0.1 else "built",
        )
        for i in range(ROWS)
    ]


def _build(round_: int, size: int = BUILD) -> Summary:
    """A build of size derivations on b1 and locally (their .drv files do not exist: the system is the client's)."""
    derivations: list[DrvSummary] = [
        {
            "drv": f"/nix/store/{'0' * 32}-pkg{(round_ * size + i) % NAMES}-1.0.drv",
            "host": "b1" if i % 2 else "local",
            "started": None,
            "seconds": 5.0,
            "ok": True,
            "status": "built",
            "error": "",
        }
        for i in range(size)
    ]
    return {"hosts": {}, "derivations": derivations, "errors": []}


def _ms(samples: list[float]) -> str:
    return f"{statistics.median(samples):.2f} ({min(samples):.2f}-{max(samples):.2f})"


def _command(*args: str) -> float:
    """Seconds `nixswarm ARGS` took in a new process (the console script's own code), output read to the end."""
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "nixswarm", *args], capture_output=True, check=True, timeout=60)
    return time.perf_counter() - started


def run() -> Section:
    """The markdown section and its samples, in a state folder of its own."""
    compileall.compile_dir(Path(nixswarm.__file__).parent, quiet=1)  # bytecode, as pip installs it
    before = os.environ.get("XDG_STATE_HOME")
    with tempfile.TemporaryDirectory(prefix="nixswarm-history-bench-") as folder:
        os.environ["XDG_STATE_HOME"] = folder
        try:
            return _measure(Path(folder) / "nixswarm" / "history.sqlite")
        finally:
            if before is None:
                del os.environ["XDG_STATE_HOME"]
            else:
                os.environ["XDG_STATE_HOME"] = before


def _measure(path: Path) -> Section:
    """Fill the history at path, then time recording, the queries and the command."""
    opened = open_history(path)
    assert opened.db is not None, opened.warning
    started = time.perf_counter()
    add_runs(opened.db, _filler(), ROWS)
    fill_s = time.perf_counter() - started
    opened.db.close()
    build = prepared()
    record_ms: list[float] = []
    record_one_ms: list[float] = []
    for round_ in range(ROUNDS):  # at the bound: each build also prunes as many rows as it adds
        for size, samples in ((BUILD, record_ms), (1, record_one_ms)):
            started = time.perf_counter()
            warning = record_build(_build(round_, size), build, 1.7e9, ROWS, path)
            samples.append((time.perf_counter() - started) * 1000)
            assert not warning, warning
    opened = open_history(path)
    assert opened.db is not None
    groups = len(drv_stats(opened.db))
    query_ms, hosts_query_ms = [], []
    for _ in range(ROUNDS):
        started = time.perf_counter()
        drv_stats(opened.db)
        query_ms.append((time.perf_counter() - started) * 1000)
        started = time.perf_counter()
        host_stats(opened.db)
        hosts_query_ms.append((time.perf_counter() - started) * 1000)
    rows = opened.db.execute("SELECT COUNT(*) FROM runs").fetchone()[0]
    opened.db.close()
    size_mb = path.stat().st_size / 1e6
    command_ms = [_command("history") * 1000 for _ in range(ROUNDS)]
    hosts_ms = [_command("history", "--hosts") * 1000 for _ in range(ROUNDS)]
    startup_ms = [_command("--version") * 1000 for _ in range(ROUNDS)]
    per_drv = [ms / BUILD for ms in record_ms]
    added = (statistics.median(record_ms) - statistics.median(record_one_ms)) / (BUILD - 1)
    markdown = "\n".join(
        [
            "## Cost of the build history",
            "",
            f"A history of {rows:,} rows ({NAMES:,} derivation names on {HOSTS} hosts, one run in ten failed; "
            f"{size_mb:.1f} MB, filled in {fill_s:.1f} s), at its bound (`history_rows` = {ROWS:,}), so every "
            f"recorded build also drops as many old rows. *Record*: `record_build` as `nixswarm build` calls it "
            f"after nix exits, for a build of {BUILD} derivations: open the database (with its `quick_check`), read "
            "the probe facts, add the rows, drop the oldest, refresh the per name and host totals, commit; per "
            f"derivation is that over {BUILD}. *`nixswarm history`*: a new process (bytecode compiled, as pip "
            f"installs it) printing the {groups:,} name and host rows; *query* is `drv_stats` alone on an open "
            f"database. {ROUNDS} rounds each. Targets: recording under {TARGETS['record_ms_per_drv']:.0f} ms per "
            f"derivation, `nixswarm history` under {TARGETS['history_ms']:.0f} ms.",
            "",
            "| measure | median (min-max), ms |",
            "|---|---:|",
            f"| record a build of {BUILD} derivations | {_ms(record_ms)} |",
            f"| record, per derivation | {_ms(per_drv)} |",
            f"| record a build of 1 derivation (the fixed part: open, quick_check, commit) | {_ms(record_one_ms)} |",
            f"| each derivation past the first (difference of the medians / {BUILD - 1}) | {added:.3f} |",
            f"| `nixswarm history`, end to end ({groups:,} rows printed) | {_ms(command_ms)} |",
            f"| its query alone (`drv_stats`) | {_ms(query_ms)} |",
            f"| `nixswarm history --hosts`, end to end | {_ms(hosts_ms)} |",
            f"| its query alone (`host_stats`) | {_ms(hosts_query_ms)} |",
            f"| `nixswarm --version`, end to end (the interpreter's start) | {_ms(startup_ms)} |",
        ]
    )
    data = {
        "rows": rows,
        "names": NAMES,
        "hosts": HOSTS,
        "build": BUILD,
        "rounds": ROUNDS,
        "targets": TARGETS,
        "groups": groups,
        "size_mb": size_mb,
        "fill_s": fill_s,
        "record_ms": record_ms,
        "record_ms_per_drv": per_drv,
        "record_one_ms": record_one_ms,
        "record_added_ms": added,
        "history_ms": command_ms,
        "query_ms": query_ms,
        "history_hosts_ms": hosts_ms,
        "hosts_query_ms": hosts_query_ms,
        "startup_ms": startup_ms,
    }
    return Section("history", markdown, data)
