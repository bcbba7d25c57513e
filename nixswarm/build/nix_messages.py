"""Nix's messages read: the patterns that name a build, a host or a missing builder, and a message cut to one line."""

from __future__ import annotations

import re

__all__ = ["CANNOT_BUILD_ON", "NO_BUILDER", "SSH_HOST", "STORE_DRV", "machine_address", "one_line"]

STORE_DRV = re.compile(r"/nix/store/[0-9a-z]{32}-[^\s'\"`]+\.drv")
_STORE_PATH = re.compile(r"/nix/store/[0-9a-z]{32}-([^\s'\"`]+)")
CANNOT_BUILD_ON = re.compile(r"cannot build on '([^']+)': (.*)", re.DOTALL)
SSH_HOST = re.compile(r"(?:failed to start SSH (?:master )?connection to|cannot connect to) '([^']+)'")
_ERROR_PREFIX = re.compile(r"(^|: )error: ")
_REMOTE_FAILED = re.compile(r"^build of '[^']*' on '[^']*' failed: (?=.)")
NO_BUILDER = (
    "unable to start any build",  # before Nix 2.21; from 2.21 "Unable ...", in 2.34 also "Cannot build ..."
    "Unable to start any build",
    "required system or feature not available",
    "local builds are disabled",
    "Failed to find a machine for remote build",
)


def one_line(text: str) -> str:
    """A Nix message in one line: no `error:` prefixes, no `build of X on M failed:` (the view says both), store
    paths shortened to names, and current Nix's `Cannot build 'X'.` joined with its `Reason:` line (and 2.21-2.29's
    `Unable to start any build;` with the line below it)."""
    lines = [line.strip() for line in text.strip().split("\n") if line.strip()] or [""]
    if len(lines) > 1 and lines[0] == "error:":  # Nix 2.21-2.29: "error:" alone, the message below
        lines = lines[1:]
        if len(lines) > 1 and lines[0].endswith(";"):  # "Unable to start any build;" and why, on the next line
            lines = [f"{lines[0]} {lines[1]}", *lines[2:]]
    first = lines[0]
    if len(lines) > 1 and lines[1].startswith("Reason: "):
        first = f"{first.rstrip('.')}: {lines[1].removeprefix('Reason: ').rstrip('.')}"
    first = _ERROR_PREFIX.sub(r"\1", first.rstrip(";").strip())
    first = _REMOTE_FAILED.sub("", first)
    return _STORE_PATH.sub(lambda m: m.group(1).removesuffix(".drv"), first)


def machine_address(machine: str) -> str:
    """`ssh-ng://root@host?x=y` -> `root@host`."""
    return machine.split("://", 1)[-1].split("?", 1)[0]
