"""A self-contained derivation graph (no nixpkgs, no network) whose outputs name the host that built them."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

BUSYBOX_APPLETS = ("sh", "sleep", "cat", "echo", "mkdir", "date", "dd")

GRAPH_NIX = r"""{ salt, width, depth, sleep, bb, features ? "" }:
let
  busybox = builtins.path { path = bb; name = "lab-busybox"; };
  node = level: index: deps: derivation {
    name = "lab-${salt}-l${toString level}-n${toString index}";
    system = builtins.currentSystem;
    builder = "${busybox}/sh";
    PATH = "${busybox}";
    inherit deps;
    requiredSystemFeatures = if features == "" then [ ] else [ features ];
    args = [ "-c" "sleep ${sleep}; (cat /lab-id 2>/dev/null || echo local) > $out" ];
  };
  levels = builtins.genList (l: l) depth;
  build = l: if l == 0 then builtins.genList (i: node 0 i [ ]) width
    else let prev = build (l - 1); in builtins.genList (i: node l i prev) width;
in builtins.concatLists (map build levels)
"""


@dataclass(frozen=True)
class GraphNode:
    """One built node: its level, index and the lab id of the host that built it."""

    level: int
    index: int
    built_by: str


def write_graph(folder: Path) -> Path:
    """graph.nix and a busybox folder beside it; returns the nix file."""
    bb = folder / "bb"
    bb.mkdir(parents=True, exist_ok=True)
    shutil.copy2("/bin/busybox", bb / "busybox")
    for applet in BUSYBOX_APPLETS:
        link = bb / applet
        if not link.exists():
            link.symlink_to("busybox")
    nix = folder / "graph.nix"
    nix.write_text(GRAPH_NIX)
    return nix


def graph_args(folder: Path, salt: str, width: int, depth: int, sleep: float = 0, features: str = "") -> list[str]:
    """nix-build / nix build arguments selecting the graph with these parameters."""
    args = ["--argstr", "salt", salt, "--arg", "width", str(width), "--arg", "depth", str(depth)]
    args += ["--argstr", "sleep", f"{sleep:g}", "--arg", "bb", str(folder / "bb"), "--argstr", "features", features]
    return args


def read_graph_outputs(paths: list[str]) -> list[GraphNode]:
    """Nodes from the out paths nix printed (names carry level and index, contents the builder)."""
    nodes = []
    for path in paths:
        name = Path(path).name.split("-", 1)[1]
        level, index = name.rsplit("-", 2)[-2:]
        nodes.append(GraphNode(int(level[1:]), int(index[1:]), Path(path).read_text().strip()))
    return nodes
