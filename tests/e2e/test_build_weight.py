"""--local-weight through `nixswarm build`: 12 independent derivations, 2 local slots, 2 builders with 2 slots."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.helpers import open_lab, run_nixswarm, salt
from tests.e2e.test_build import configure
from tests.lab import BuilderSpec, Lab
from tests.lab.graph import graph_args, read_graph_outputs

WIDTH = 12
LOCAL_JOBS = 2


@pytest.fixture(scope="module")
def fanout(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Lab, Path]]:
    home = tmp_path_factory.mktemp("home")
    with open_lab([BuilderSpec(max_jobs=2), BuilderSpec(max_jobs=2)]) as lab:
        configure(lab, home)
        yield lab, home


def build(lab: Lab, home: Path, *options: str) -> tuple[int, dict[str, object]]:
    """Local derivations, and the summary."""
    summary = home / f"summary-{salt()}.json"
    done = run_nixswarm(
        home,
        "build",
        *options,
        "-j",
        str(LOCAL_JOBS),
        "--json-summary",
        str(summary),
        "-f",
        str(lab.graph()),
        *graph_args(lab.graph_dir, salt(), WIDTH, 1, 1.5),
        "--no-link",
        "--json",
        env={"NIX_CONF_DIR": str(lab.dir / "client-nix")},
    )
    assert done.returncode == 0, done.stderr[-3000:]
    nodes = read_graph_outputs([p for item in json.loads(done.stdout) for p in item["outputs"].values()])
    assert len(nodes) == WIDTH
    local = sum(1 for n in nodes if n.built_by == "local")
    data: dict[str, object] = json.loads(summary.read_text())
    data["stderr"] = done.stderr
    return local, data


def test_prefer_local_fills_the_local_slots_before_the_remote_ones(fanout: tuple[Lab, Path]) -> None:
    local, summary = build(*fanout, "--local-weight", "prefer-local")
    placement = summary["placement"]
    assert isinstance(placement, list)
    first = [p["where"] for p in placement[: LOCAL_JOBS + 4]]
    assert first == ["local"] * LOCAL_JOBS + ["remote"] * 4, summary["stderr"]
    assert local >= LOCAL_JOBS


@pytest.mark.parametrize("share", [0.5, 0.25])
def test_a_requested_share_lands_within_15_points(fanout: tuple[Lab, Path], share: float) -> None:
    local, _ = build(*fanout, "--local-weight", f"{share:.0%}")
    assert abs(local / WIDTH - share) <= 0.15, f"{local} of {WIDTH} local for {share:.0%}"


def test_remote_only_builds_nothing_locally(fanout: tuple[Lab, Path]) -> None:
    local, summary = build(*fanout, "--no-local")
    assert local == 0
    placement = summary["placement"]
    assert isinstance(placement, list)
    assert placement, "the scheduler placed nothing"
    assert all(p["where"] == "remote" and p["host"] for p in placement), placement
