"""The store paths a derivation needs on the builder: the outputs of its input derivations and its input sources.

Read from the head of its .drv file (ATerm): `Derive([outputs],[(drv,[names])...],[sources],...`.
"""

from __future__ import annotations

import re

from nixswarm.hook.drvfile import HEAD, DrvError, parse_outputs, read_head, read_string
from nixswarm.hook.readfile import read_whole

STORE_PATH = re.compile(r"/nix/store/[0-9a-df-np-sv-z]{32}-[A-Za-z0-9+\-._?=]{1,211}")
MAX_INPUTS = 100_000


def _expect(data: bytes, at: int, token: bytes) -> int:
    if data[at : at + len(token)] != token:
        raise DrvError(f"expected {token.decode()!r} at byte {at}")
    return at + len(token)


def _string_list(data: bytes, at: int) -> tuple[list[str], int]:
    at = _expect(data, at, b"[")
    items: list[str] = []
    while data[at : at + 1] != b"]":
        if items:
            at = _expect(data, at, b",")
        item, at = read_string(data, at)
        items.append(item)
        if len(items) > MAX_INPUTS:
            raise DrvError("too many items")
    return items, at + 1


def _skip_outputs(data: bytes) -> int:
    at = _expect(data, 0, HEAD)
    depth = 1
    while depth:
        if at >= len(data):
            raise DrvError("unterminated outputs")
        char = data[at : at + 1]
        if char == b'"':
            _, at = read_string(data, at)
            continue
        depth += {b"[": 1, b"(": 1, b"]": -1, b")": -1}.get(char, 0)
        at += 1
    return at


def parse_inputs(data: bytes) -> tuple[list[tuple[str, list[str]]], list[str]]:
    """(input derivation, the output names it needs) pairs, and the input sources."""
    at = _expect(data, _skip_outputs(data), b",[")
    drvs: list[tuple[str, list[str]]] = []
    while data[at : at + 1] != b"]":
        if drvs:
            at = _expect(data, at, b",")
        at = _expect(data, at, b"(")
        drv, at = read_string(data, at)
        at = _expect(data, at, b",")
        names, at = _string_list(data, at)
        at = _expect(data, at, b")")
        drvs.append((drv, names))
        if len(drvs) > MAX_INPUTS:
            raise DrvError("too many input derivations")
    at = _expect(data, at + 1, b",")
    sources, _ = _string_list(data, at)
    return drvs, sources


def input_paths(drv_path: str) -> list[str]:
    """Every store path the builder must have to build drv_path (the copy Nix makes before it builds, less the
    closure of those paths); [] when the .drv cannot be read. Input outputs that are floating (content-addressed,
    no path yet) are left out."""
    try:
        drvs, sources = parse_inputs(read_whole(drv_path))
    except (OSError, DrvError, IndexError):
        return []
    paths = [s for s in sources if STORE_PATH.fullmatch(s)]
    for drv, names in drvs:
        if not STORE_PATH.fullmatch(drv):
            continue
        try:
            outputs = dict(parse_outputs(read_head(drv)))
        except (OSError, ValueError):
            continue
        paths += [outputs[n] for n in names if outputs.get(n) and STORE_PATH.fullmatch(outputs[n])]
    return paths


def output_paths(drv_path: str) -> list[str]:
    """The drv's own output paths (what the builder has once it has built it)."""
    try:
        return [p for _, p in parse_outputs(read_head(drv_path)) if p and STORE_PATH.fullmatch(p)]
    except (OSError, ValueError):
        return []
