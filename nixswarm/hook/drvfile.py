"""Reading a .drv file (ATerm): its strings, its outputs list (at its head) and the output-lock files Nix takes
while it builds it, its required system features."""

from __future__ import annotations

import os
import re

HEAD = b"Derive(["
READ = 1 << 16
"""Outputs come first; their list fits in far less than this."""
_FEATURES = re.compile(rb'\("requiredSystemFeatures","([A-Za-z0-9_.+ -]{0,1000})"\)')
"""The env entry (quotes inside an ATerm string are escaped, so no other value can hold this text)."""
_STRING = re.compile(rb'"((?:[^"\\]|\\.)*)"', re.DOTALL)
"""An ATerm string: quotes inside are escaped (backslash, then the character)."""


class DrvError(ValueError):
    """Not a derivation this reader understands."""


def read_string(data: bytes, at: int) -> tuple[str, int]:
    """The ATerm string starting at data[at] (a quote), unescaped, and the index after it."""
    match = _STRING.match(data, at)
    if match is None:
        raise DrvError(f"expected a string at byte {at}")
    raw = match.group(1)
    text = re.sub(rb"\\(.)", rb"\1", raw, flags=re.DOTALL) if b"\\" in raw else raw
    return text.decode("utf-8", "surrogateescape"), match.end()


def parse_outputs(data: bytes) -> list[tuple[str, str]]:
    """(name, path) of each output; path "" for a floating content-addressed output."""
    if not data.startswith(HEAD):
        raise ValueError("not a Derive(...) derivation")
    outputs = []
    at = len(HEAD)
    while data[at : at + 1] == b"(":
        fields = []
        at += 1
        for index in range(4):
            value, at = read_string(data, at)
            fields.append(value)
            if data[at : at + 1] != (b")" if index == 3 else b","):
                raise ValueError("malformed output")
            at += 1
        outputs.append((fields[0], fields[1]))
        if data[at : at + 1] == b",":
            at += 1
    if data[at : at + 1] != b"]":
        raise ValueError("malformed outputs list")
    return outputs


def read_head(drv_path: str) -> bytes:
    """The first READ bytes of a .drv file (its outputs list); OSError as os.open raises it."""
    fd = os.open(drv_path, os.O_RDONLY | os.O_CLOEXEC)
    try:
        return os.read(fd, READ)
    finally:
        os.close(fd)


def output_locks(drv_path: str) -> tuple[str, ...]:
    """The files Nix flocks while it builds drv_path (derivation-goal.cc tryToBuild + PathLocks); () if unreadable."""
    try:
        outputs = parse_outputs(read_head(drv_path))
    except (OSError, ValueError):
        return ()
    return tuple(f"{path or f'{drv_path}.{name}'}.lock" for name, path in outputs)


def required_features(data: bytes) -> tuple[str, ...]:
    """The requiredSystemFeatures in a .drv file's bytes (its env; () when none, or in a form not read here, such
    as __structuredAttrs' JSON or escaped characters)."""
    found = _FEATURES.search(data)
    return tuple(found.group(1).decode().split()) if found else ()
