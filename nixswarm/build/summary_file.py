"""The --json-summary file: the per-host summary, nix's exit code, and where the build hook placed derivations."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from nixswarm.build.results import Summary
from nixswarm.build.workdir import BuildDir
from nixswarm.store.atomic import atomic_write


def summary_json(exit_code: int, summary: Summary, where: BuildDir) -> dict[str, Any]:
    """What --json-summary holds; read before the build's folder is removed (the hook's ledger is in it)."""
    return {"exit_code": exit_code, **summary, "placement": placement(where)}


def write_summary(path: str, exit_code: int, summary: Summary, where: BuildDir) -> None:
    """The summary as JSON at path, written atomically."""
    atomic_write(Path(path), json.dumps(summary_json(exit_code, summary, where), indent=2) + "\n", mode=0o644)


def placement(where: BuildDir) -> list[dict[str, str]]:
    """How the build hook placed derivations under --local-weight, in the order Nix asked."""
    from nixswarm.hook.ledger import DATA, parse_ledger

    try:
        text = (where.ledger / DATA).read_text(encoding="utf-8", errors="replace")
    except OSError:
        return []
    return [{"drv": drv, "where": placed} for drv, (placed, _) in parse_ledger(text).items()]
