"""Mixed clusters: the client's Nix building on builders of the other two Nix versions at once (2.8, 2.26, 2.34).

The suite runs once per client Nix (tests/run.sh), so this covers a 2.34 client on 2.8 and 2.26 builders and a 2.8
client on 2.26 and 2.34 builders, over ssh-ng and ssh, with the summary, the live lines and --local-weight.
"""

from __future__ import annotations

import json
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest
import tomli_w

from tests.e2e.helpers import open_lab, run_nixswarm, salt
from tests.e2e.test_build import configure
from tests.lab import BuilderSpec, Lab
from tests.lab.graph import graph_args, read_graph_outputs
from tests.lab.nixroots import matrix_wanted, own_series
from tests.lab.procs import run

SERIES = ("2.8", "2.26", "2.34")


def other_series() -> list[str]:
    own = own_series()
    return [s for s in SERIES if s != own]


@pytest.fixture(scope="module")
def mixed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Lab, Path]]:
    """One builder on each Nix the client does not run, two slots each, added and trusted through the CLI."""
    if not matrix_wanted():
        pytest.skip("the other Nix versions are skipped: NIXSWARM_NIX_MATRIX=0")
    home = tmp_path_factory.mktemp("home")
    with open_lab([BuilderSpec(nix=series, max_jobs=2) for series in other_series()]) as lab:
        configure(lab, home)
        yield lab, home


def use_scheme(home: Path, scheme: str) -> None:
    config = home / "config" / "nixswarm" / "config.toml"
    data = tomllib.loads(config.read_text())
    data.setdefault("defaults", {})["scheme"] = scheme
    config.write_text(tomli_w.dumps(data))


def build(lab: Lab, home: Path, *options: str, width: int, depth: int) -> tuple[str, dict[str, object], dict[str, int]]:
    """nixswarm build of the lab graph: its stderr, its --json-summary, and how many each host built per the outputs."""
    summary = home / f"summary-{salt()}.json"
    done = run_nixswarm(
        home,
        "build",
        *options,
        "--json-summary",
        str(summary),
        "-f",
        str(lab.graph()),
        *graph_args(lab.graph_dir, salt(), width, depth, 0.5),
        "--no-link",
        "--json",
        env={"NIX_CONF_DIR": str(lab.dir / "client-nix")},
    )
    assert done.returncode == 0, done.stderr[-3000:]
    nodes = read_graph_outputs([p for item in json.loads(done.stdout) for p in item["outputs"].values()])
    assert len(nodes) == width * depth
    names = {b.lab_id: b.name for b in lab.builders}
    recorded: dict[str, int] = {}
    for node in nodes:
        host = names.get(node.built_by, node.built_by)
        recorded[host] = recorded.get(host, 0) + 1
    data: dict[str, object] = json.loads(summary.read_text())
    return done.stderr, data, recorded


def test_each_builder_runs_the_nix_it_was_given(mixed: tuple[Lab, Path]) -> None:
    lab, _ = mixed
    for builder, series in zip(lab.builders, other_series(), strict=True):
        done = run(
            [
                "ip",
                "netns",
                "exec",
                builder.namespace,
                "ssh",
                "-F",
                "/dev/null",
                "-i",
                str(lab.client_key),
                "-o",
                "IdentitiesOnly=yes",
                "-o",
                "StrictHostKeyChecking=no",
                "-o",
                "UserKnownHostsFile=/dev/null",
                f"root@{builder.address}",
                "nix-store",
                "--version",
            ],
            check=False,
        )
        assert done.returncode == 0, done.stderr
        assert done.stdout.split()[-1].startswith(f"{series}."), done.stdout


@pytest.mark.parametrize("scheme", ["ssh-ng", "ssh"])
def test_a_graph_spreads_over_both_versions_and_the_summary_and_live_lines_say_where(
    mixed: tuple[Lab, Path], scheme: str
) -> None:
    lab, home = mixed
    use_scheme(home, scheme)
    stderr, summary, recorded = build(lab, home, "--no-local", width=4, depth=2)
    assert set(recorded) == {b.name for b in lab.builders}, recorded
    hosts = summary["hosts"]
    assert isinstance(hosts, dict)
    assert {host: h["built"] for host, h in hosts.items() if h["built"]} == recorded
    for host, count in recorded.items():  # the live lines name each host once per derivation it built
        assert sum(1 for line in stderr.splitlines() if line.startswith(f"[{host}] built ")) == count, stderr[-2000:]


def test_local_weight_keeps_a_share_local_beside_both_versions(mixed: tuple[Lab, Path]) -> None:
    lab, home = mixed
    use_scheme(home, "ssh-ng")
    _, summary, recorded = build(lab, home, "--local-weight", "50%", "-j", "2", width=8, depth=1)
    local = recorded.get("local", 0)
    assert 2 <= local <= 6, recorded
    assert set(recorded) - {"local"} <= {b.name for b in lab.builders}
    placement = summary["placement"]
    assert isinstance(placement, list)
    assert sum(1 for p in placement if p["where"] == "local") == local, placement
