"""Chains for placement tests: producers with a large output, and consumers that read it (no nixpkgs, no network).

Each output names the host that built it (the lab id, or `local`), so a test reads where each one ran.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from tests.lab.graph import write_graph

CHAINS_NIX = r"""{ salt, chains, consumers, mib, sleep, bb }:
let
  busybox = builtins.path { path = bb; name = "lab-busybox"; };
  who = "(cat /lab-id 2>/dev/null || echo local)";
  blob = "dd if=/dev/zero of=$out/blob bs=1048576 count=${toString mib} 2>/dev/null";
  producer = c: derivation {
    name = "lab-${salt}-c${toString c}-producer";
    system = builtins.currentSystem;
    builder = "${busybox}/sh";
    PATH = "${busybox}";
    args = [ "-c" "mkdir $out && ${blob} && ${who} > $out/built-by" ];
  };
  consumer = c: i: p: derivation {
    name = "lab-${salt}-c${toString c}-consumer${toString i}";
    system = builtins.currentSystem;
    builder = "${busybox}/sh";
    PATH = "${busybox}";
    args = [ "-c" "cat ${p}/blob > /dev/null && sleep ${sleep} && ${who} > $out" ];
  };
  chain = c: let p = producer c; in [ p ] ++ builtins.genList (i: consumer c i p) consumers;
in builtins.concatLists (builtins.genList chain chains)
"""


@dataclass(frozen=True)
class ChainNode:
    """One built node of the chains: its chain, whether it is the producer, and who built it."""

    chain: int
    producer: bool
    built_by: str


def write_chains(folder: Path) -> Path:
    """chains.nix beside the graph's busybox folder; returns the nix file."""
    write_graph(folder)
    nix = folder / "chains.nix"
    nix.write_text(CHAINS_NIX)
    return nix


def chains_args(folder: Path, salt: str, *, chains: int, consumers: int, mib: int, sleep: float) -> list[str]:
    """nix build arguments selecting the chains with these parameters."""
    args = ["--argstr", "salt", salt, "--arg", "chains", str(chains), "--arg", "consumers", str(consumers)]
    return [*args, "--arg", "mib", str(mib), "--argstr", "sleep", f"{sleep:g}", "--arg", "bb", str(folder / "bb")]


def read_chain_outputs(paths: list[str]) -> list[ChainNode]:
    """Nodes from the out paths nix printed: the name gives the chain and role, the contents the builder."""
    nodes = []
    for path in paths:
        name = Path(path).name.split("-", 1)[1]
        chain, role = name.rsplit("-", 2)[-2:]
        producer = role == "producer"
        who = (Path(path) / "built-by") if producer else Path(path)
        nodes.append(ChainNode(int(chain[1:]), producer, who.read_text().strip()))
    return nodes
