"""Recording a build: each ended derivation becomes a row with its host key, Nix version, own start and NAR size,
in well under 1 ms."""

from __future__ import annotations

import functools
import time
from pathlib import Path

import pytest

from nixswarm.history.database import open_history
from nixswarm.history.from_build import Builder, builders, record_build, runs_of
from nixswarm.history.nar_sizes import nar_sizes
from nixswarm.history.runs import LOCAL_KEY, Run, add_runs
from nixswarm.model.facts import NixFacts
from nixswarm.model.facts_cache import CachedFacts, FactsCache
from nixswarm.model.nixversion import NixVersion
from nixswarm.store import paths
from nixswarm.store.facts_file import save_facts
from tests.unit.fake_nix_store import FakeNixStore, store_path, write_drv
from tests.unit.history_data import KEY_B1, drv, prepared, run, summary

BEGAN = 1_700_000_000.0


def test_each_ended_derivation_becomes_a_row_keyed_by_its_hosts_key() -> None:
    build = summary(
        drv("hello-2.12.1", "b1", 3.0), drv("zlib-1.3", "local", 1.5, "failed"), drv("x", "b1", 0, "stopped")
    )
    hosts = {"local": Builder(LOCAL_KEY, "2.8.0"), "b1": Builder(KEY_B1.fingerprint, "2.18.1")}
    assert runs_of(build, hosts, BEGAN, "x86_64-linux") == [
        Run("hello-2.12.1", "x86_64-linux", KEY_B1.fingerprint, "b1", "2.18.1", BEGAN, 3.0, "built"),
        Run("zlib-1.3", "x86_64-linux", LOCAL_KEY, "local", "2.8.0", BEGAN, 1.5, "failed"),
        Run("x", "x86_64-linux", KEY_B1.fingerprint, "b1", "2.18.1", BEGAN, 0, "stopped"),
    ]


def test_a_row_starts_when_its_derivation_did_else_when_the_build_did_and_takes_its_nar_size() -> None:
    build = summary(drv("hello-2.12.1", "b1", 3.0, started=BEGAN + 41.5), drv("zlib-1.3", "local", 1.5))
    hosts = {"local": Builder(LOCAL_KEY, "2.8.0"), "b1": Builder(KEY_B1.fingerprint, "2.18.1")}
    sizes = {build["derivations"][0]["drv"]: 226_712}
    hello, zlib = runs_of(build, hosts, BEGAN, "x86_64-linux", sizes)
    assert (hello.started, hello.nar_size) == (BEGAN + 41.5, 226_712)
    assert (zlib.started, zlib.nar_size) == (BEGAN, None)


def test_a_machine_nix_named_that_is_not_in_the_plan_is_keyed_by_its_name() -> None:
    hosts = {"local": Builder(LOCAL_KEY, "2.8.0")}
    (row,) = runs_of(summary(drv("a", "ssh://elsewhere")), hosts, BEGAN, "aarch64-linux")
    assert (row.host_key, row.host_name, row.system, row.nix_version) == (
        "name:ssh://elsewhere",
        "ssh://elsewhere",
        "aarch64-linux",
        "2.8.0",
    )


def test_a_builders_nix_version_comes_from_the_probe_facts_else_the_clients() -> None:
    assert builders(prepared(NixVersion(2, 8, 0)))["b1"] == Builder(KEY_B1.fingerprint, "2.8.0")
    facts = CachedFacts(NixFacts(NixVersion(2, 26, 3), ("x86_64-linux",)), True, True)
    save_facts(paths.facts_file(), FactsCache({KEY_B1.fingerprint: facts}))
    found = builders(prepared(NixVersion(2, 8, 0)))
    assert found["b1"] == Builder(KEY_B1.fingerprint, "2.26.3")
    assert found["local"] == Builder(LOCAL_KEY, "2.8.0")


def test_record_build_writes_to_the_state_folders_history() -> None:
    warning = record_build(summary(drv("hello-2.12.1", "b1", 3.0), drv("zlib", "local")), prepared(), BEGAN, 1000)
    assert warning == ""
    opened = open_history(paths.history_file())
    assert opened.db is not None
    assert opened.db.execute("SELECT hosts.key, hosts.name FROM hosts ORDER BY id").fetchall() == [
        (KEY_B1.fingerprint, "b1"),
        (LOCAL_KEY, "local"),
    ]
    assert opened.db.execute("SELECT COUNT(*), MIN(started) FROM runs").fetchone() == (2, BEGAN)


def test_adding_a_derivation_to_a_history_of_100000_rows_costs_under_a_millisecond(tmp_path: Path) -> None:
    opened = open_history(tmp_path / "history.sqlite")
    assert opened.db is not None
    db = opened.db
    keys = [f"SHA256:{i:043d}" for i in range(8)]
    filler = [run(f"pkg{i % 2000}-1.0", keys[i % 8], float(i % 97), host_name=f"b{i % 8}") for i in range(100_000)]
    add_runs(db, filler, limit=100_000)
    builds = [[run(f"pkg{(b * 50 + i) % 2000}-1.0", keys[i % 8], 5.0) for i in range(50)] for b in range(5)]
    timings = []
    for batch in builds:  # at the limit: every build also prunes as many rows as it adds
        start = time.perf_counter()
        add_runs(db, batch, limit=100_000)
        timings.append((time.perf_counter() - start) / len(batch))
    assert db.execute("SELECT COUNT(*) FROM runs").fetchone()[0] == 100_000
    assert min(timings) < 0.001, f"seconds per derivation: {timings}"


def test_a_build_is_recorded_with_the_nar_size_nix_store_reports_for_what_it_built(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake = FakeNixStore(tmp_path / "bin", monkeypatch)
    out, doc, zlib_out = store_path("hello-2.12.1"), store_path("hello-2.12.1-doc", "b"), store_path("zlib-1.3", "c")
    fake.sizes({out: 226_712, doc: 10_240, zlib_out: 131_072})
    hello = write_drv(tmp_path, "hello-2.12.1", {"out": out, "doc": doc})
    zlib = write_drv(tmp_path, "zlib-1.3", {"out": zlib_out})
    build = summary(
        drv("hello-2.12.1", "b1", 3.0, started=BEGAN + 2.25, path=hello),
        drv("zlib-1.3", "local", 1.5, "failed", started=BEGAN + 0.5, path=zlib),
    )
    sizes = functools.partial(nar_sizes, exists=lambda path: True)
    assert record_build(build, prepared(), BEGAN, 1000, sizes=sizes) == ""
    assert fake.calls() == [["--query", "--size", out, doc]]  # only what was built, in one call
    opened = open_history(paths.history_file())
    assert opened.db is not None
    rows = opened.db.execute("SELECT names.name, started, outcome, nar_size FROM runs JOIN names ON names.id = name_id")
    assert rows.fetchall() == [
        ("hello-2.12.1", BEGAN + 2.25, "built", 236_952),
        ("zlib-1.3", BEGAN + 0.5, "failed", None),
    ]


def test_a_failing_nix_store_still_records_the_build_without_sizes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake = FakeNixStore(tmp_path / "bin", monkeypatch)
    fake.mode("hang")
    hello = write_drv(tmp_path, "hello-2.12.1", {"out": store_path("hello-2.12.1")})
    monkeypatch.setattr("nixswarm.history.nar_sizes.TIMEOUT", 0.3)
    sizes = functools.partial(nar_sizes, exists=lambda path: True)
    assert record_build(summary(drv("hello-2.12.1", "b1", path=hello)), prepared(), BEGAN, 1000, sizes=sizes) == ""
    opened = open_history(paths.history_file())
    assert opened.db is not None
    assert opened.db.execute("SELECT COUNT(*), MAX(nar_size) FROM runs").fetchone() == (1, None)


def test_sizes_that_raise_become_a_warning_and_record_build_never_raises() -> None:
    def broken(drvs: object) -> dict[str, int | None]:
        raise RuntimeError("no store here")

    warning = record_build(summary(drv("hello-2.12.1", "b1")), prepared(), BEGAN, 1000, sizes=broken)
    assert warning == "history: not recorded (RuntimeError: no store here)"
