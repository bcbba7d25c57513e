"""The --json-summary file: the per-host summary, nix's exit code, and where the build hook placed derivations."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from nixswarm.build.placement_log import decisions
from nixswarm.build.results import Summary
from nixswarm.build.workdir import BuildDir
from nixswarm.store.atomic import atomic_write


def summary_json(exit_code: int, summary: Summary, where: BuildDir) -> dict[str, Any]:
    """What --json-summary holds; read before the build's folder is removed (the hook's ledger is in it)."""
    from nixswarm.hook.bandwidth import read_bandwidth

    measured = {name: round(rate) for name, rate in read_bandwidth(str(where.ledger)).items()}
    return {"exit_code": exit_code, **summary, "placement": placement(where), "bandwidth": measured}


def write_summary(path: str, exit_code: int, summary: Summary, where: BuildDir) -> None:
    """The summary as JSON at path, written atomically."""
    atomic_write(Path(path), json.dumps(summary_json(exit_code, summary, where), indent=2) + "\n", mode=0o644)


def placement(where: BuildDir) -> list[dict[str, Any]]:
    """Where the build hook placed each derivation and why, in the order Nix asked: `where` local or remote,
    `host` the builder (None when local or chosen by Nix's own hook), `why`, and the scores it was chosen by."""
    from nixswarm.hook.ledger import DATA, parse_ledger
    from nixswarm.hook.scheduler import REMOTE_AT

    try:
        text = (where.ledger / DATA).read_text(encoding="utf-8", errors="replace")
    except OSError:
        return []
    recorded = read_decisions(where)
    out: list[dict[str, Any]] = []
    for drv, (placed, _) in parse_ledger(text).items():
        host = placed[len(REMOTE_AT) :] if placed.startswith(REMOTE_AT) else None
        record = recorded.get(drv, {})
        entry: dict[str, Any] = {"drv": drv, "where": "local" if placed == "local" else "remote", "host": host}
        entry["why"] = record.get("why") or _unrecorded(placed, host)
        if record:
            entry["scores"] = record.get("scores", [])
            entry["left_out"] = record.get("left_out", [])
            entry["decided_ms"] = record.get("decided_ms")
            entry["at"] = record.get("at")
        out.append(entry)
    return out


def _unrecorded(placed: str, host: str | None) -> str:
    """Why, when the scheduler logged no decision (its log could not be written, or it did not choose)."""
    if host is not None:
        return "nixswarm's scheduler (its reason was not recorded)"
    return "the local weight" if placed == "local" else "Nix's own hook"


def read_decisions(where: BuildDir) -> dict[str, dict[str, Any]]:
    """The scheduler's last decision about each derivation (placements.jsonl; a torn or foreign line is skipped)."""
    from nixswarm.hook.scheduler import PLACEMENTS

    try:
        lines = (where.ledger / PLACEMENTS).read_bytes().splitlines()
    except OSError:
        return {}
    return {record["drv"]: record for record in decisions(lines)}
