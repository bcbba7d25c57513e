"""The build's graph for the ETA: Nix's list of derivations it will build, and the remaining critical path."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from nixswarm.build import build_graph
from nixswarm.build.build_graph import BuildGraph, critical_path
from nixswarm.build.dry_plan import dry_argv

A, B, C, D = (f"/nix/store/{c * 32}-{c}.drv" for c in "abcd")


def test_the_longest_chain_of_remaining_seconds_wins_over_a_wide_layer() -> None:
    deps = {A: (), B: (A,), C: (B,), D: ()}
    assert critical_path(deps, {A: 2.0, B: 3.0, C: 1.0, D: 5.0}) == pytest.approx(6.0)
    assert critical_path(deps, {B: 3.0, C: 1.0, D: 5.0}) == pytest.approx(5.0)  # A has ended
    assert critical_path(deps, {}) == 0.0


def test_a_cycle_never_loops() -> None:
    assert critical_path({A: (B,), B: (A,)}, {A: 1.0, B: 2.0}) == pytest.approx(3.0)


def test_a_deep_chain_needs_no_recursion() -> None:
    chain = [f"/nix/store/{i:032d}-n.drv" for i in range(5000)]
    deps = {d: (chain[i - 1],) if i else () for i, d in enumerate(chain)}
    assert critical_path(deps, dict.fromkeys(chain, 1.0)) == pytest.approx(5000.0)


def test_nix_s_list_is_collected_until_its_first_other_message() -> None:
    graph = BuildGraph()
    for text in ["these 2 derivations will be built:", f"  {A}", f"  {B}", "these 1 paths will be fetched", f"  {C}"]:
        graph.message(text, read=False)
    assert graph.planned == [A, B]


def test_a_dry_run_list_is_read_into_the_graph(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    drvs = {}
    for name, inputs in (("a", []), ("b", ["a"])):
        path = tmp_path / f"{name}.drv"
        listed = ",".join(f'("{tmp_path}/{i}.drv",["out"])' for i in inputs)
        path.write_text(f'Derive([("out","/x","","")],[{listed}],[],"x86_64-linux","/bin/sh",[],[])')
        drvs[name] = str(path)
    graph = BuildGraph()
    graph.set_planned([drvs["a"], drvs["b"]])
    for _ in range(100):
        if graph.deps() is not None:
            break
        time.sleep(0.01)
    assert graph.deps() == {drvs["a"]: (), drvs["b"]: (drvs["a"],)}
    assert build_graph.MAX_DRVS >= 10_000


def test_the_dry_run_is_the_build_s_own_command_with_dry_run() -> None:
    argv = ["nix", "build", "--log-format", "internal-json", "-f", "x.nix"]
    assert dry_argv(argv) == [
        "nix",
        "build",
        "--dry-run",
        "--no-write-lock-file",
        "--log-format",
        "internal-json",
        "-f",
        "x.nix",
    ]
