"""The scheduler looks past the derivation Nix offers: the longer of two ready derivations takes the faster host,
though Nix offers the short one first and the fast host was its own best."""

from __future__ import annotations

import json
import time
from pathlib import Path

from nixswarm.history.database import open_history
from nixswarm.history.runs import Run, add_runs
from nixswarm.hook.durations import drv_name
from tests.e2e.helpers import open_lab, run_nixswarm, salt
from tests.e2e.test_build import configure
from tests.lab import BuilderSpec
from tests.lab.timed_graph import timed_args, write_timed

SECONDS = ((2,), (1, 4))
"""A gate (the dry run beside the build lists the plan while it builds), then a short and a long derivation that
need it; Nix 2.8 offers the short one first (its goals go in name order)."""
SHORT, LONG = "timed-l1-n0", "timed-l1-n1"


def seed_history(home: Path) -> None:
    """Past times of the graph's names on a host that is not in the lab: known at speed 1, not per lab host."""
    opened = open_history(home / "state" / "nixswarm" / "history.sqlite")
    assert opened.db is not None, opened.warning
    past = {"timed-l0-n0": 2.0, SHORT: 1.0, LONG: 4.0}
    rows = [
        Run(n, "x86_64-linux", "SHA256:elsewhere", "elsewhere", "2.8.0", time.time(), s, "built")
        for n, s in past.items()
    ]
    add_runs(opened.db, rows, 1000)
    opened.db.close()


def test_the_longer_work_takes_the_faster_host_when_both_are_ready(tmp_path: Path) -> None:
    home = tmp_path / "home"
    with open_lab([BuilderSpec(max_jobs=1), BuilderSpec(max_jobs=1)]) as lab:
        configure(lab, home, {"b2": ("--speed-factor", "4")})
        seed_history(home)
        nix = write_timed(lab.graph_dir)
        summary = tmp_path / "summary.json"
        done = run_nixswarm(
            home,
            "build",
            "--no-local",
            "--json-summary",
            str(summary),
            "-f",
            str(nix),
            *timed_args(lab.graph_dir, salt(), SECONDS),
            "--no-link",
            env={"NIX_CONF_DIR": str(lab.dir / "client-nix")},
        )
        assert done.returncode == 0, done.stderr[-3000:]
    by_name = {drv_name(p["drv"]): p for p in json.loads(summary.read_text())["placement"]}
    assert by_name[LONG]["host"] == "b2", by_name
    assert by_name[SHORT]["host"] == "b1", by_name
    if by_name[SHORT]["at"] < by_name[LONG]["at"]:  # offered first: it left b2 to the long one
        assert by_name[SHORT]["why"].endswith(f"b2 kept for {LONG} (longer chain)"), by_name[SHORT]
