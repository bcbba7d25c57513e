"""What the end-to-end tests share: labs outside fixtures, the nixswarm command in a home of its own, builders files."""

from __future__ import annotations

import hashlib
import os
import secrets
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import pytest

from nixswarm.model import NIX_2_8, HostKey
from nixswarm.nix.entry import MachineEntry, Scheme
from nixswarm.nix.machines_render import render_machines
from tests.lab import Builder, BuilderSpec, Lab, LabUnavailable
from tests.lab.graph import GraphNode, graph_args, read_graph_outputs

MakeLab = Callable[[list[BuilderSpec]], Lab]
"""The make_lab fixture: make_lab([BuilderSpec(), ...])."""


def unavailable(reason: str) -> None:
    if os.environ.get("NIXSWARM_SKIP_LAB") == "1":
        pytest.skip(f"lab skipped (NIXSWARM_SKIP_LAB=1): {reason}")
    pytest.fail(f"the end-to-end lab cannot run here: {reason} (set NIXSWARM_SKIP_LAB=1 to skip it outside CI)")


@contextmanager
def open_lab(specs: list[BuilderSpec], advertise: bool = False) -> Iterator[Lab]:
    """A lab for a module-scoped fixture: a clear failure (or skip) when it cannot be made, always torn down."""
    if os.environ.get("NIXSWARM_SKIP_LAB") == "1":
        unavailable("requested")
    with ExitStack() as stack:
        try:
            lab = stack.enter_context(Lab(specs))
            if advertise:
                lab.start_advertisers()
        except LabUnavailable as err:
            unavailable(str(err))
            raise
        yield lab


NIXSWARM = str(Path(sys.executable).parent / "nixswarm")
RUNTIME_DIRS: list[Path] = []


def runtime_dir(home: Path) -> Path:
    """A short $XDG_RUNTIME_DIR for home (socket paths hold 107 bytes; pytest's folders are long)."""
    folder = Path("/tmp") / f"nxr-{hashlib.sha1(str(home).encode()).hexdigest()[:10]}"
    if folder not in RUNTIME_DIRS:
        folder.mkdir(mode=0o700, exist_ok=True)
        RUNTIME_DIRS.append(folder)
    return folder


def remove_runtime_dirs() -> None:
    """Remove every folder runtime_dir made."""
    for folder in RUNTIME_DIRS:
        shutil.rmtree(folder, ignore_errors=True)
    RUNTIME_DIRS.clear()


def nixswarm_env(home: Path, extra: dict[str, str] | None = None) -> dict[str, str]:
    """The environment of a nixswarm command with a home of its own (builds keep their folders in runtime_dir)."""
    env = {
        **os.environ,
        "HOME": str(home),
        "XDG_CONFIG_HOME": str(home / "config"),
        "XDG_STATE_HOME": str(home / "state"),
        "XDG_RUNTIME_DIR": str(runtime_dir(home)),
    }
    env.update(extra or {})
    return env


def run_nixswarm(
    home: Path, *args: str, env: dict[str, str] | None = None, timeout: float = 240
) -> subprocess.CompletedProcess[str]:
    """The nixswarm command with a home of its own."""
    return subprocess.run(
        [NIXSWARM, *args], capture_output=True, text=True, env=nixswarm_env(home, env), timeout=timeout, check=False
    )


def salt() -> str:
    """A fresh salt, so every run really builds."""
    return secrets.token_hex(4)


def machines_file(
    lab: Lab,
    builders: list[Builder],
    path: Path,
    scheme: Scheme = "ssh-ng",
    keys: dict[str, str] | None = None,
    *,
    user: str = "root",
    identity: Path | None = None,
) -> Path:
    """A builders file rendered by nixswarm for these lab builders."""
    entries = [
        MachineEntry(
            host=b.address,
            scheme=scheme,
            user=user,
            systems=b.systems,
            ssh_key=str(identity or lab.client_key),
            max_jobs=b.max_jobs,
            supported_features=b.features,
            host_key=HostKey.parse((keys or {}).get(b.name, b.host_key_line)),
        )
        for b in builders
    ]
    path.write_text(render_machines(entries, NIX_2_8))
    return path


def build_graph(
    lab: Lab,
    builders_file: Path,
    *,
    width: int = 3,
    depth: int = 3,
    sleep: float = 0,
    extra: tuple[str, ...] = (),
    env: dict[str, str] | None = None,
) -> tuple[subprocess.CompletedProcess[str], list[GraphNode]]:
    """nix-build the lab graph with --max-jobs 0 and these builders; the nodes say who built them."""
    nix = lab.graph()
    argv = [
        "nix-build",
        str(nix),
        *graph_args(lab.graph_dir, salt(), width, depth, sleep),
        "--no-out-link",
        "--max-jobs",
        "0",
        "--builders",
        f"@{builders_file}",
        *extra,
    ]
    done = subprocess.run(argv, capture_output=True, text=True, env=env or lab.client_env(), timeout=240, check=False)
    nodes = read_graph_outputs(done.stdout.split()) if done.returncode == 0 else []
    return done, nodes
