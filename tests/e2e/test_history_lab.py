"""Real builds land in the history: each derivation with its own start and its NAR size, two builds at once both
intact, and a corrupt history never fails a build."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from nixswarm.build.results import drv_name
from tests.e2e.helpers import nixswarm_env, open_lab, run_nixswarm, salt
from tests.e2e.test_build import configure
from tests.lab import BuilderSpec, Lab
from tests.lab.graph import graph_args, read_graph_outputs


@pytest.fixture(scope="module")
def pair(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Lab, Path]]:
    """b1 and b2, added and trusted."""
    home = tmp_path_factory.mktemp("home")
    with open_lab([BuilderSpec(), BuilderSpec()]) as lab:
        configure(lab, home)
        yield lab, home


def start(lab: Lab, home: Path, host: str, *extra: str) -> subprocess.Popen[str]:
    """`nixswarm build --hosts HOST --no-local` of a 2x2 lab graph with a fresh salt (and extra arguments)."""
    argv = [str(Path(sys.executable).parent / "nixswarm"), "build", "--hosts", host, "--no-local", *extra, "-f"]
    argv += [str(lab.graph()), *graph_args(lab.graph_dir, salt(), 2, 2, 0.5), "--no-link", "--json"]
    env = nixswarm_env(home, {"NIX_CONF_DIR": str(lab.dir / "client-nix")})
    return subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)


def finish(proc: subprocess.Popen[str]) -> tuple[int, str]:
    """How many derivations the build built, and its stderr (the build must succeed)."""
    out, err = proc.communicate(timeout=240)
    assert proc.returncode == 0, err[-3000:]
    return len(read_graph_outputs([p for item in json.loads(out) for p in item["outputs"].values()])), err


def runs_per_host(home: Path) -> dict[str, int]:
    done = run_nixswarm(home, "history", "--hosts", "--json")
    assert done.returncode == 0, done.stderr
    return {h["host_name"]: h["runs"] for h in json.loads(done.stdout)["hosts"]}


def test_a_corrupt_history_is_set_aside_and_the_build_succeeds_and_is_recorded(pair: tuple[Lab, Path]) -> None:
    lab, home = pair
    history = home / "state" / "nixswarm" / "history.sqlite"
    history.parent.mkdir(parents=True, exist_ok=True)
    history.write_bytes(b"not a database\n" * 300)
    built, err = finish(start(lab, home, "b1"))
    assert f"history: {history} could not be read (file is not a database)" in err
    assert len(list(history.parent.glob("history.sqlite.corrupt-*"))) == 1
    assert runs_per_host(home) == {"b1": built}
    done = run_nixswarm(home, "history", "--json")
    rows = json.loads(done.stdout)["derivations"]
    assert {r["host_key"] for r in rows} == {lab.builder("b1").fingerprint()}
    assert all(r["failures"] == 0 and r["median"] is not None for r in rows)


def test_two_builds_at_once_both_land_in_the_history(pair: tuple[Lab, Path]) -> None:
    lab, home = pair
    before = runs_per_host(home)
    procs = {host: start(lab, home, host) for host in ("b1", "b2")}
    built = {host: finish(proc)[0] for host, proc in procs.items()}
    after = runs_per_host(home)
    assert {h: after.get(h, 0) - before.get(h, 0) for h in ("b1", "b2")} == built
    assert all(n > 0 for n in built.values())


def test_each_built_derivation_is_recorded_with_its_own_start_and_its_nar_size(
    pair: tuple[Lab, Path], tmp_path: Path
) -> None:
    lab, home = pair
    history = home / "state" / "nixswarm" / "history.sqlite"
    db = sqlite3.connect(history) if history.exists() else None
    seen = db.execute("SELECT COALESCE(MAX(id), 0) FROM runs").fetchone()[0] if db is not None else 0
    if db is not None:
        db.close()
    out = tmp_path / "summary.json"
    before = time.time()
    finish(start(lab, home, "b1", "--json-summary", str(out)))
    after = time.time()
    summary = {drv_name(d["drv"]): d for d in json.loads(out.read_text())["derivations"]}
    db = sqlite3.connect(history)
    rows = db.execute(
        "SELECT names.name, started, seconds, outcome, nar_size FROM runs JOIN names ON names.id = name_id"
        " WHERE runs.id > ? ORDER BY runs.id",
        (seen,),
    ).fetchall()
    db.close()
    assert len(rows) == len(summary) == 4, rows
    for name, started, seconds, outcome, nar_size in rows:
        assert outcome == "built"
        assert before <= started <= started + seconds <= after, (name, before, started, seconds, after)
        assert started == summary[name]["started"]
        assert isinstance(nar_size, int) and nar_size > 0, (name, nar_size)
    starts = sorted(started for _, started, _, _, _ in rows)
    assert starts[-1] - starts[0] >= 0.5  # the second layer starts after the first built (0.5 s each): not one time
    done = run_nixswarm(home, "history", "--json")
    shown = {r["name"]: r["nar_size"] for r in json.loads(done.stdout)["derivations"]}
    assert {name: shown[name] for name, *_ in rows} == {name: size for name, _, _, _, size in rows}
