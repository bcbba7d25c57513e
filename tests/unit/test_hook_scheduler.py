"""The scheduler inside the proxy, under a fake Nix, with one fake real hook per builder: the best host is asked
first, the next best gets what it declines, a host over its owner's load limit is never asked, and every decision
is logged with its reason."""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from nixswarm.hook.loads import write_loads
from nixswarm.hook.lookahead import FILE, Entry, render
from nixswarm.hook.messages import Try, encode_settings
from nixswarm.hook.wire import encode_strings
from tests.unit.test_hook_proxy import FAKE_HOOK, SETTINGS, FakeNix, drv

Hosts = list[dict[str, object]]
X86 = "x86_64-linux"
Start = Callable[..., FakeNix]


def host(name: str, **extra: object) -> dict[str, object]:
    return {"name": name, "line": f"ssh-ng://{name} x86_64-linux - 2 1 - - -", "systems": ["x86_64-linux"], **extra}


@pytest.fixture
def start(tmp_path: Path) -> Iterator[Start]:
    started: list[FakeNix] = []

    def make(
        hosts: Hosts, per_host: dict[str, list[str]], share: float | None = 0.0, durations: str | None = None
    ) -> FakeNix:
        policy = {
            "durations": durations,
            "local_share": share,
            "ledger": str(tmp_path / "ledger"),
            "real_hook": [sys.executable, FAKE_HOOK],
            "hosts": hosts,
            "loads": str(tmp_path / "loads"),
        }
        env = {**os.environ, "NIXSWARM_HOOK_POLICY": json.dumps(policy)}
        env["FAKE_HOOK"] = json.dumps({"record": str(tmp_path / "record.json"), "per_host": per_host})
        nix = FakeNix(env)
        started.append(nix)
        return nix

    yield make
    for nix in started:
        nix.close()


def seen(tmp_path: Path, name: str) -> dict[str, Any]:
    path = tmp_path / f"record.json.{name}"
    return json.loads(path.read_text()) if path.exists() else {}


def decisions(tmp_path: Path) -> list[dict[str, Any]]:
    path = tmp_path / "ledger" / "placements.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines()]


def loads(tmp_path: Path, **values: float) -> None:
    write_loads(str(tmp_path / "loads"), {n: (v, time.time()) for n, v in values.items()})


def accept_build(nix: FakeNix) -> int:
    assert nix.line() == "ssh-ng://fake-machine"
    nix.send(encode_strings(["/nix/store/" + "b" * 32 + "-src"]) + encode_strings(["out"]))
    nix.close_stdin()
    nix.rest()
    return nix.wait()


def test_the_least_busy_host_is_asked_first_and_only_it_builds(start: Start, tmp_path: Path) -> None:
    loads(tmp_path, b1=6.0, b2=0.0)
    nix = start([host("b1", cores=2), host("b2", cores=2)], {"b1": ["accept"], "b2": ["accept"]})
    nix.send(encode_settings(SETTINGS) + Try(False, "x86_64-linux", drv("a"), ()).encode())
    assert nix.reply() == ("accept", [])
    assert accept_build(nix) == 0
    assert seen(tmp_path, "b1") == {}  # never started
    b2 = seen(tmp_path, "b2")
    assert b2["settings"]["builders"] == host("b2")["line"]
    assert [t["drv"] for t in b2["tries"]] == [drv("a")]
    [decision] = decisions(tmp_path)
    assert decision["host"] == "b2"
    assert decision["why"] == "least busy (load 0.0)"
    assert [s["host"] for s in decision["scores"]] == ["b2", "b1"]


def test_a_busy_or_unreachable_host_passes_the_derivation_to_the_next(start: Start, tmp_path: Path) -> None:
    loads(tmp_path, b1=0.0, b2=1.0, b3=2.0)
    hosts = [host(n, cores=4) for n in ("b1", "b2", "b3")]
    nix = start(hosts, {"b1": ["postpone"], "b2": ["unreachable"], "b3": ["accept"]})
    nix.send(encode_settings(SETTINGS) + Try(False, "x86_64-linux", drv("a"), ()).encode())
    reply, before = nix.reply()
    assert reply == "accept"
    assert any("cannot build on" in line for line in before)  # build-remote's own error reaches Nix
    assert accept_build(nix) == 0
    assert all(len(seen(tmp_path, n)["tries"]) == 1 for n in ("b1", "b2", "b3"))
    [decision] = decisions(tmp_path)
    assert decision["host"] == "b3"
    assert "b1 was busy" in decision["why"] and "b2 did not connect" in decision["why"]
    state = json.loads((tmp_path / "ledger" / "schedule.json").read_text())
    assert state["down"]["b2"] > time.time()
    assert state["runs"][drv("a")][0] == "b3"
    assert state["runs"][drv("a")][2] is not None  # ended: its duration counts


def test_a_host_over_its_owners_load_limit_is_never_asked(start: Start, tmp_path: Path) -> None:
    loads(tmp_path, b1=8.0, b2=3.0)
    nix = start([host("b1", max_load=2), host("b2")], {"b1": ["accept"], "b2": ["accept"]})
    nix.send(encode_settings(SETTINGS) + Try(False, "x86_64-linux", drv("a"), ()).encode())
    assert nix.reply() == ("accept", [])
    assert accept_build(nix) == 0
    assert seen(tmp_path, "b1") == {}
    [decision] = decisions(tmp_path)
    assert decision["host"] == "b2"
    assert "b1 over its load limit (8.0 > 2)" in decision["why"]


def test_when_every_host_is_over_its_limit_the_derivation_waits(start: Start, tmp_path: Path) -> None:
    loads(tmp_path, b1=8.0)
    nix = start([host("b1", max_load=2)], {"b1": ["accept"]})
    nix.send(encode_settings(SETTINGS) + Try(False, "x86_64-linux", drv("a"), ()).encode())
    assert nix.reply() == ("postpone", [])
    loads(tmp_path, b1=1.0)
    nix.send(Try(False, "x86_64-linux", drv("a"), ()).encode())
    assert nix.reply() == ("accept", [])
    assert accept_build(nix) == 0


def test_a_derivation_no_builder_can_build_is_declined_as_nix_would(start: Start, tmp_path: Path) -> None:
    nix = start([host("b1")], {"b1": ["accept"]})
    nix.send(encode_settings(SETTINGS) + Try(False, "aarch64-linux", drv("a"), ()).encode())
    assert nix.reply() == ("decline", [])
    nix.close_stdin()
    assert nix.wait() == 0
    assert seen(tmp_path, "b1") == {}
    assert decisions(tmp_path)[0]["left_out"] == [{"host": "b1", "why": "does not build aarch64-linux"}]


def test_when_every_host_declines_a_free_local_slot_takes_it(start: Start, tmp_path: Path) -> None:
    nix = start([host("b1"), host("b2")], {"b1": ["postpone"] * 2, "b2": ["postpone"] * 2}, share=None)
    nix.send(encode_settings(SETTINGS) + Try(True, "x86_64-linux", drv("a"), ()).encode())
    assert nix.reply() == ("decline", [])  # Nix's own rule: remote first, local when no builder takes it
    nix.send(Try(False, "x86_64-linux", drv("b"), ()).encode())
    assert nix.reply() == ("postpone", [])
    nix.close_stdin()
    assert nix.wait() == 0
    ledger = (tmp_path / "ledger" / "ledger").read_text()
    assert ledger.startswith(f"local {drv('a')}")


def test_each_builders_real_hook_is_started_once_and_reused(start: Start, tmp_path: Path) -> None:
    nix = start([host("b1")], {"b1": ["postpone", "postpone", "accept"]})
    nix.send(encode_settings(SETTINGS))
    for name in ("a", "b"):
        nix.send(Try(False, "x86_64-linux", drv(name), ()).encode())
        assert nix.reply() == ("postpone", [])
    nix.send(Try(False, "x86_64-linux", drv("c"), ()).encode())
    assert nix.reply() == ("accept", [])
    assert accept_build(nix) == 0
    assert [t["drv"] for t in seen(tmp_path, "b1")["tries"]] == [drv("a"), drv("b"), drv("c")]


def test_short_work_leaves_the_fast_host_free_for_a_longer_chain_ready_beside_it(start: Start, tmp_path: Path) -> None:
    short, long = drv("short"), drv("long")
    (tmp_path / "durations").write_text("long\t*\t40.000\nshort\t*\t2.000\n")
    (tmp_path / "ledger").mkdir()
    ahead = {short: Entry(X86, 2.0, (), ("/nowhere/short",)), long: Entry(X86, 40.0, (), ("/nowhere/long",))}
    (tmp_path / "ledger" / FILE).write_bytes(render(ahead))
    hosts = [host("fast", speed=4, slots=1), host("slow", speed=1, slots=1)]
    nix = start(hosts, {"fast": ["accept"], "slow": ["accept"]}, durations=str(tmp_path / "durations"))
    nix.send(encode_settings(SETTINGS) + Try(False, X86, short, ()).encode())
    assert nix.reply() == ("accept", [])
    assert accept_build(nix) == 0
    assert seen(tmp_path, "fast") == {}
    [decision] = decisions(tmp_path)
    assert decision["host"] == "slow"
    assert decision["why"].endswith("fast kept for long (longer chain)")
    assert [s["host"] for s in decision["scores"]] == ["slow", "fast"]


def test_a_finished_builds_work_leaves_out_copying_its_outputs_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from nixswarm.hook import scheduler
    from nixswarm.hook.bandwidth import write_bandwidth
    from nixswarm.hook.config import HookConfig
    from nixswarm.hook.ledger import Ledger
    from nixswarm.hook.score import BANDWIDTH

    folder = tmp_path / "ledger"
    folder.mkdir()
    ledger = Ledger(str(folder))
    big, small = drv("producer"), drv("consumer")
    outputs = {big: ["/nix/store/out-big"], small: ["/nix/store/out-small"]}
    sizes = {"/nix/store/out-big": 200 * 2**20, "/nix/store/out-small": 1024}
    monkeypatch.setattr(scheduler, "output_paths", outputs.__getitem__)
    monkeypatch.setattr(scheduler, "path_bytes", lambda path, limit: sizes[path])
    write_bandwidth(str(folder), {"b1": 50.0 * 2**20})
    begun = time.time() - 5.0

    def seed(_: object, state: dict[str, Any]) -> None:
        state["runs"] = {big: ["b1", begun, None, False, 3.0], small: ["b2", begun, None, False, 3.0]}

    ledger.schedule(seed)
    hook = scheduler.Scheduler(HookConfig(0.0, str(folder), ("true",)), ledger, {}, [], 1)
    hook.finished(big, True)
    hook.finished(small, True)
    runs = ledger.state()["runs"]
    assert runs[big][5] == 4.0  # 200 MiB back at b1's measured 50 MiB/s
    assert runs[small][5] == round(1024 / BANDWIDTH, 3)  # b2 not measured: the assumed bandwidth
    assert 0.9 < scheduler.built(runs[big]) < 1.2  # about 5 s in all, 4 of them copying back
    assert scheduler.built(["b1", 0.0, 10.0, True, 3.0, 30.0]) == 1.0  # never below a tenth of the whole
    assert scheduler.built(["b1", 0.0, 10.0, True]) == 10.0  # a run recorded before this field
