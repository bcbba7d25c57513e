"""Checks of the local set-up that decide whether Nix will really use remote builders."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from nixswarm.errors import ConfigError
from nixswarm.nix.local_nix import local_nix_facts
from nixswarm.store import paths
from nixswarm.store.settings_file import load_settings
from nixswarm.store.state import load_state

Level = Literal["ok", "warn", "fail"]


@dataclass(frozen=True)
class Finding:
    """One check's outcome."""

    check: str
    """What was checked."""
    level: Level
    """ok, warn or fail."""
    message: str
    """What was found."""
    fix: str | None = None
    """What to do about it."""


async def run_checks(config: Path) -> list[Finding]:
    """Every check, in the order a user would fix them."""
    findings: list[Finding] = []
    try:
        facts = await local_nix_facts()
        findings.append(Finding("nix", "ok", f"Nix {facts.version}, systems {', '.join(facts.systems)}"))
    except RuntimeError as err:
        findings.append(Finding("nix", "fail", str(err), "sudo apt-get install nix-bin"))
    for tool in ("ssh", "ssh-keygen"):
        found = shutil.which(tool)
        findings.append(
            Finding(tool, "ok", found)
            if found
            else Finding(tool, "fail", f"`{tool}` is not on PATH", "sudo apt-get install openssh-client")
        )
    for label, load, path in (
        ("config", load_settings, config),
        ("state", load_state, paths.state_file()),
    ):
        try:
            load(path)
            findings.append(Finding(label, "ok", f"{path} is readable" if path.exists() else f"{path} (not yet)"))
        except ConfigError as err:
            findings.append(Finding(label, "fail", err.message, f"fix or move away {path}"))
    return findings
