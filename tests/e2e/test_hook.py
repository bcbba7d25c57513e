"""The build-hook proxy under real nix-build: local max-jobs 2, two lab builders with 2 slots each, 12 derivations."""

from __future__ import annotations

import json
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from nixswarm.hook.install import build_hook_options, policy_json, real_hook_of, write_launcher
from nixswarm.model import NIX_2_8, NixVersion
from tests.e2e.helpers import machines_file, open_lab, salt
from tests.lab import BuilderSpec, GraphNode, Lab, read_graph_outputs
from tests.lab.graph import graph_args

WIDTH = 12
SLEEP = 1.5
LOCAL_JOBS = 2
ACT_BUILD = 105


@dataclass(frozen=True)
class Run:
    """One nix-build of the graph."""

    done: subprocess.CompletedProcess[str]
    nodes: list[GraphNode]
    starts: list[tuple[float, str]]
    """When (s after nix-build began) and where ("" = local) each build started, in order."""
    makespan: float

    @property
    def local(self) -> int:
        return sum(1 for n in self.nodes if n.built_by == "local")

    def report(self, case: str) -> str:
        order = " ".join(f"{'L' if where == '' else 'R'}{at:.1f}" for at, where in self.starts)
        return f"{case}: {self.local}/{len(self.nodes)} local, makespan {self.makespan:.1f} s, starts {order}"

    @property
    def where(self) -> list[str]:
        return [where for _, where in self.starts]


@pytest.fixture(scope="module")
def lab() -> Iterator[Lab]:
    with open_lab([BuilderSpec(max_jobs=2), BuilderSpec(max_jobs=2)]) as lab:
        yield lab


@pytest.fixture(scope="module")
def builders(lab: Lab, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return machines_file(lab, lab.builders, tmp_path_factory.mktemp("machines") / "machines")


def real_hook(lab: Lab) -> list[str]:
    """The build-hook this Nix would run (2.8: /usr/libexec/nix/build-remote), as the wrapper finds it."""
    argv = ["nix", "--extra-experimental-features", "nix-command", "show-config", "--json"]
    shown = subprocess.run(argv, capture_output=True, text=True, env=lab.client_env(), check=True, timeout=60)
    return real_hook_of(json.loads(shown.stdout)["build-hook"]["value"])


def build(
    lab: Lab,
    builders: Path,
    folder: Path,
    share: float | None,
    version: NixVersion = NIX_2_8,
    extra: tuple[str, ...] = (),
    policy: str | None = None,
) -> Run:
    """nix-build the graph with local max-jobs 2, through the proxy at this share, or with this raw policy."""
    nix = lab.graph()
    argv = [
        "nix-build",
        str(nix),
        *graph_args(lab.graph_dir, salt(), WIDTH, 1, SLEEP),
        "--no-out-link",
        "--max-jobs",
        str(LOCAL_JOBS),
        "--builders",
        f"@{builders}",
        "--log-format",
        "internal-json",
        *extra,
    ]
    env = lab.client_env()
    if share is not None:
        argv += build_hook_options(write_launcher(folder, None))
        env["NIXSWARM_HOOK_POLICY"] = policy_json(share, folder / "ledger", real_hook(lab), version)
    if policy is not None:
        argv += build_hook_options(write_launcher(folder, None))
        env["NIXSWARM_HOOK_POLICY"] = policy
    started = time.monotonic()
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    assert proc.stderr is not None and proc.stdout is not None
    starts: dict[str, tuple[float, str]] = {}
    log: list[str] = []
    for line in proc.stderr:
        log.append(line)
        if line.startswith("@nix "):
            event = json.loads(line[5:])
            if event.get("action") == "start" and event.get("type") == ACT_BUILD:
                # a remote build's own start, relayed through the hook, comes second and says ""
                starts.setdefault(event["fields"][0], (time.monotonic() - started, event["fields"][1]))
    stdout = proc.stdout.read()
    returncode = proc.wait(timeout=240)
    makespan = time.monotonic() - started
    done = subprocess.CompletedProcess(argv, returncode, stdout, "".join(log))
    assert returncode == 0, "".join(log)[-3000:]
    return Run(done, read_graph_outputs(stdout.split()), list(starts.values()), makespan)


def test_nix_alone_sends_the_first_derivations_to_the_builders(lab: Lab, builders: Path, tmp_path: Path) -> None:
    run = build(lab, builders, tmp_path, None)
    print(run.report("Nix alone"))
    assert len(run.nodes) == WIDTH
    assert run.where[:4].count("") == 0  # remote first: the fast local machine waits for overflow
    assert len(run.starts) == WIDTH


def test_prefer_local_fills_the_local_slots_before_the_remote_ones(lab: Lab, builders: Path, tmp_path: Path) -> None:
    run = build(lab, builders, tmp_path, 1.0)
    print(run.report("W=1"))
    # the ledger lists derivations in the order Nix asked about them (Nix 2.8 starts declined ones at the end of
    # its pass over the ready derivations, after the hook has connected to the builders for the others)
    placed = [line.split()[0] for line in (tmp_path / "ledger" / "ledger").read_text().splitlines()]
    assert placed[: LOCAL_JOBS + 4] == ["local"] * LOCAL_JOBS + ["remote"] * 4
    assert 0 < run.local < WIDTH


def test_half_the_derivations_build_locally_at_w_one_half(lab: Lab, builders: Path, tmp_path: Path) -> None:
    run = build(lab, builders, tmp_path, 0.5)
    print(run.report("W=0.5"))
    assert abs(run.local / WIDTH - 0.5) <= 0.15
    ledger = (tmp_path / "ledger" / "ledger").read_text().split()
    assert ledger.count("local") == run.local


def test_w_0_builds_nothing_locally(lab: Lab, builders: Path, tmp_path: Path) -> None:
    run = build(lab, builders, tmp_path, 0.0)
    print(run.report("W=0"))
    assert run.local == 0
    assert {n.built_by for n in run.nodes} == {b.lab_id for b in lab.builders}


def test_an_unusable_policy_leaves_nix_as_it_is(lab: Lab, builders: Path, tmp_path: Path) -> None:
    run = build(lab, builders, tmp_path, None, policy='{"local_share": 0.5}')
    print(run.report("unusable policy (pass-through)"))
    assert "nixswarm hook: NIXSWARM_HOOK_POLICY: ledger is needed" in run.done.stderr
    assert run.where[:4].count("") == 0  # the real hook (build-remote, by argv[0]) took over: remote first
    assert len(run.nodes) == WIDTH
