"""The scheduler on real builders: consumers go where their producer's output is, a host over its owner's load
limit gets nothing new, and the summary says why each derivation went where."""

from __future__ import annotations

import json
import re
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.helpers import NIXSWARM, nixswarm_env, open_lab, run_nixswarm, salt
from tests.e2e.test_build import configure
from tests.lab import BuilderSpec, Lab
from tests.lab.chains import ChainNode, chains_args, read_chain_outputs, write_chains
from tests.lab.graph import GraphNode, graph_args, read_graph_outputs

CHAINS, CONSUMERS, MIB = 2, 2, 128


@pytest.fixture(scope="module")
def trio(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Lab, Path]]:
    """Three builders with three slots each, trusted in a fresh home."""
    home = tmp_path_factory.mktemp("home")
    with open_lab([BuilderSpec(max_jobs=CONSUMERS) for _ in range(3)]) as lab:
        configure(lab, home)
        yield lab, home


def build_chains(lab: Lab, home: Path, summary: Path, *options: str) -> tuple[list[ChainNode], dict[str, object]]:
    nix = write_chains(lab.graph_dir)
    args = chains_args(lab.graph_dir, salt(), chains=CHAINS, consumers=CONSUMERS, mib=MIB, sleep=1)
    done = run_nixswarm(
        home,
        "build",
        "--no-local",
        "--json-summary",
        str(summary),
        *options,
        "-f",
        str(nix),
        *args,
        "--no-link",
        "--json",
        env={"NIX_CONF_DIR": str(lab.dir / "client-nix")},
    )
    assert done.returncode == 0, done.stderr[-3000:]
    nodes = read_chain_outputs([p for item in json.loads(done.stdout) for p in item["outputs"].values()])
    assert len(nodes) == CHAINS * (1 + CONSUMERS)
    return nodes, json.loads(summary.read_text())


def with_their_producer(nodes: list[ChainNode]) -> int:
    made = {n.chain: n.built_by for n in nodes if n.producer}
    return sum(1 for n in nodes if not n.producer and n.built_by == made[n.chain])


def test_consumers_land_where_their_producers_output_is(trio: tuple[Lab, Path], tmp_path: Path) -> None:
    lab, home = trio
    nodes, summary = build_chains(lab, home, tmp_path / "summary.json")
    assert with_their_producer(nodes) == CHAINS * CONSUMERS, json.dumps(summary["placement"], indent=1)
    placement = summary["placement"]
    assert isinstance(placement, list)
    consumers = [p for p in placement if "consumer" in p["drv"]]
    assert len(consumers) == CHAINS * CONSUMERS
    assert all(p["why"].startswith("inputs there: ") for p in consumers), consumers
    assert all(int(p["why"].split()[2]) >= MIB for p in consumers), consumers
    assert all(p["host"] in {b.name for b in lab.builders} for p in placement), placement
    measured = summary["bandwidth"]  # each producer's output came back from its host: that copy was timed
    assert isinstance(measured, dict)
    names = {b.lab_id: b.name for b in lab.builders}
    producers = {names[n.built_by] for n in nodes if n.producer}
    if names_no_builder_in_copies():  # the producers' copies back overlap: only an unambiguous one is timed
        assert measured and set(measured) <= producers, measured
    else:
        assert producers <= set(measured), measured
    assert all(10 * 2**20 < rate < 2**34 for rate in measured.values()), measured  # a veth: well over 10 MiB/s


def names_no_builder_in_copies() -> bool:
    """Nix 2.26 names a builder's store `ssh-ng://` in its copy records (build/copy_meter.py)."""
    said = subprocess.run(["nix", "--version"], capture_output=True, text=True, check=True).stdout
    return re.search(r"\b2\.26\.", said) is not None


def test_explain_drv_ranks_first_the_host_that_has_a_consumer_s_inputs(trio: tuple[Lab, Path], tmp_path: Path) -> None:
    lab, home = trio
    nodes, summary = build_chains(lab, home, tmp_path / "summary.json")
    placement = summary["placement"]
    assert isinstance(placement, list)
    consumer = next(p for p in placement if p["drv"].endswith("-c0-consumer0.drv"))
    producer_host = {b.lab_id: b.name for b in lab.builders}[
        next(n.built_by for n in nodes if n.producer and n.chain == 0)
    ]
    done = run_nixswarm(home, "explain", "--drv", consumer["drv"], "--json")
    assert done.returncode == 0, done.stderr
    scores = json.loads(done.stdout)["scores"]
    assert scores[0]["host"] == producer_host, scores
    assert scores[0]["inputs_there_bytes"] >= MIB << 20
    assert all(s["copy_bytes"] >= MIB << 20 for s in scores[1:]), scores
    table = run_nixswarm(home, "explain", "--drv", consumer["drv"])
    first = next(line for line in table.stdout.splitlines() if line.lstrip().startswith("1."))
    assert first.split()[:2] == ["1.", producer_host], table.stdout


def test_nix_own_placement_spreads_the_consumers_and_copies(trio: tuple[Lab, Path], tmp_path: Path) -> None:
    lab, home = trio
    nodes, summary = build_chains(lab, home, tmp_path / "summary.json", "--placement", "nix")
    assert with_their_producer(nodes) < CHAINS * CONSUMERS, nodes
    assert summary["placement"] == []


def test_the_placement_log_never_names_a_host_twice_for_one_derivation(trio: tuple[Lab, Path], tmp_path: Path) -> None:
    lab, home = trio
    _, summary = build_chains(lab, home, tmp_path / "summary.json")
    placement = summary["placement"]
    assert isinstance(placement, list)
    drvs = [p["drv"] for p in placement]
    assert len(drvs) == len(set(drvs)) == CHAINS * (1 + CONSUMERS)
    derivations = summary["derivations"]
    assert isinstance(derivations, list)
    assert {d["drv"]: d["host"] for d in derivations} == {p["drv"]: p["host"] for p in placement}


@pytest.fixture(scope="module")
def busy(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Lab, Path]]:
    """b1 at load 8 whose owner allows load 2, b2 and b3 idle; two slots each."""
    home = tmp_path_factory.mktemp("home")
    specs = [BuilderSpec(max_jobs=2, load=8.0), BuilderSpec(max_jobs=2), BuilderSpec(max_jobs=2)]
    with open_lab(specs) as lab:
        configure(lab, home, {"b1": ("--owner-max-load", "2")})
        yield lab, home


def start_graph(lab: Lab, home: Path, summary: Path, *options: str, width: int, depth: int) -> subprocess.Popen[str]:
    """nixswarm build of the lab graph, remote only, 2 s per derivation, running in the background."""
    argv = [NIXSWARM, "build", "--no-local", "--json-summary", str(summary), *options, "-f", str(lab.graph())]
    argv += [*graph_args(lab.graph_dir, salt(), width, depth, 2), "--no-link", "--json"]
    env = nixswarm_env(home, {"NIX_CONF_DIR": str(lab.dir / "client-nix")})
    return subprocess.Popen(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def finish(proc: subprocess.Popen[str], summary: Path) -> tuple[list[GraphNode], dict[str, object]]:
    out, err = proc.communicate(timeout=240)
    assert proc.returncode == 0, err[-3000:]
    nodes = read_graph_outputs([p for item in json.loads(out) for p in item["outputs"].values()])
    return nodes, json.loads(summary.read_text())


def test_a_host_over_its_load_limit_gets_nothing_new_until_its_load_drops(
    busy: tuple[Lab, Path], tmp_path: Path
) -> None:
    lab, home = busy
    b1 = next(b for b in lab.builders if b.name == "b1")
    proc = start_graph(lab, home, tmp_path / "summary.json", width=4, depth=3)
    time.sleep(3)  # the first level is placed with b1 over its limit
    dropped = time.time()
    lab.set_load("b1", 0.5)
    try:
        nodes, summary = finish(proc, tmp_path / "summary.json")
    finally:
        lab.set_load("b1", 8.0)
    placement = summary["placement"]
    assert isinstance(placement, list)
    before = [p for p in placement if p["at"] < dropped]
    after = [p for p in placement if p["at"] > dropped + 2]  # the live reader reads once a second
    assert before, placement
    assert all(p["host"] != "b1" for p in before), before
    assert all("b1 over its load limit (8.0 > 2)" in p["why"] for p in before), before
    assert any(p["host"] == "b1" for p in after), placement
    level0 = {n.built_by for n in nodes if n.level == 0}
    assert b1.lab_id not in level0


def test_nix_own_placement_keeps_sending_work_to_the_loaded_host(busy: tuple[Lab, Path], tmp_path: Path) -> None:
    lab, home = busy
    b1 = next(b for b in lab.builders if b.name == "b1")
    nodes, _ = finish(
        start_graph(lab, home, tmp_path / "s.json", "--placement", "nix", width=6, depth=1), tmp_path / "s.json"
    )
    assert sum(1 for n in nodes if n.built_by == b1.lab_id) >= 1
