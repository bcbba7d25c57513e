"""A layered graph whose derivations sleep for known, varied times, named without the salt: a second build with a
new salt has the same names, so the history of the first one tells how long each will take."""

from __future__ import annotations

from pathlib import Path

from tests.lab.graph import write_graph

TIMED_NIX = r"""{ salt, bb, seconds }:
let
  busybox = builtins.path { path = bb; name = "lab-busybox"; };
  sleep = l: i: builtins.elemAt (builtins.elemAt seconds l) i;
  node = l: i: deps: derivation {
    name = "timed-l${toString l}-n${toString i}";
    system = builtins.currentSystem;
    builder = "${busybox}/sh";
    PATH = "${busybox}";
    inherit salt deps;
    args = [ "-c" "sleep ${sleep l i}; (cat /lab-id 2>/dev/null || echo local) > $out" ];
  };
  layer = l: prev: builtins.genList (i: node l i prev) (builtins.length (builtins.elemAt seconds l));
  build = l: if l == 0 then layer 0 [ ] else layer l (build (l - 1));
  all = l: if l < 0 then [ ] else all (l - 1) ++ build l;
in all (builtins.length seconds - 1)
"""

SECONDS = ((1, 3, 2, 1, 4, 2), (2, 1, 1, 3, 1, 2), (3, 2, 4, 1, 1, 2), (1, 2, 1, 2, 3, 1))
"""24 derivations in 4 layers of 6; each layer needs the whole layer before it."""


def write_timed(folder: Path) -> Path:
    """timed.nix beside the graph's busybox folder."""
    write_graph(folder)
    nix = folder / "timed.nix"
    nix.write_text(TIMED_NIX)
    return nix


def timed_args(folder: Path, salt: str, seconds: tuple[tuple[float, ...], ...] = SECONDS) -> list[str]:
    """nix build arguments for the graph with these sleeps (seconds per layer, per node)."""
    layers = " ".join("[ " + " ".join(f'"{s:g}"' for s in layer) + " ]" for layer in seconds)
    return ["--argstr", "salt", salt, "--arg", "bb", str(folder / "bb"), "--arg", "seconds", f"[ {layers} ]"]
