"""Record the derivations a build ran, after it ended: the one call `run_build` makes into the history."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from nixswarm.build.results import Summary, drv_name
from nixswarm.history.database import open_history
from nixswarm.history.drv_system import drv_system
from nixswarm.history.nar_sizes import nar_sizes
from nixswarm.history.runs import LOCAL_KEY, Outcome, Run, add_runs
from nixswarm.model.validate import LOCAL
from nixswarm.store import paths
from nixswarm.store.facts_file import load_facts

if TYPE_CHECKING:
    from nixswarm.build.prepare import Prepared

_OUTCOMES: dict[str, Outcome] = {"built": "built", "failed": "failed", "stopped": "stopped"}


@dataclass(frozen=True)
class Builder:
    """What a run's row says of the host that built it."""

    key: str
    """Its host key's fingerprint (LOCAL_KEY for this machine)."""
    nix_version: str
    """Its Nix version."""


def builders(prepared: Prepared) -> dict[str, Builder]:
    """Host name -> its key and Nix version (the probe facts' version, else the client's), local included."""
    client = str(prepared.setup.settings.version)
    facts = load_facts(paths.facts_file())
    found = {LOCAL: Builder(LOCAL_KEY, client)}
    for line in prepared.plan.hosts:
        key = line.selected.key
        cached = facts.get(key)
        found[line.name] = Builder(key.fingerprint, str(cached.nix.version) if cached else client)
    return found


Sizes = Callable[[Sequence[str]], Mapping[str, int | None]]
"""The .drv paths a build built -> the NAR size of each one's outputs (None when unknown)."""


def runs_of(
    summary: Summary,
    hosts: dict[str, Builder],
    began: float,
    local_system: str,
    sizes: Mapping[str, int | None] | None = None,
) -> list[Run]:
    """The summary's derivations as rows (a host not in the plan is keyed by its name), each started when the
    summary says (else at began, the build's start), with its NAR size from sizes (by .drv path) when known."""
    runs = []
    for drv in summary["derivations"]:
        outcome = _OUTCOMES.get(drv["status"])
        if outcome is None:
            continue
        host = hosts.get(drv["host"]) or Builder(f"name:{drv['host']}", hosts[LOCAL].nix_version)
        system = drv_system(drv["drv"]) or local_system
        started = drv.get("started")
        when = began if started is None else started
        size = (sizes or {}).get(drv["drv"])
        name = drv_name(drv["drv"])
        runs.append(Run(name, system, host.key, drv["host"], host.nix_version, when, drv["seconds"], outcome, size))
    return runs


def record_build(
    summary: Summary,
    prepared: Prepared,
    began: float,
    limit: int,
    path: Path | None = None,
    *,
    sizes: Sizes = nar_sizes,
) -> str:
    """Add the build's derivations to the history, with the NAR size of what the built ones output (sizes, one
    question to the local Nix); never raises: what went wrong comes back as a warning ("" when all went well)."""
    warning = ""
    try:
        built = [drv["drv"] for drv in summary["derivations"] if drv["status"] == "built"]
        found = sizes(built) if built else {}
        runs = runs_of(summary, builders(prepared), began, prepared.setup.settings.system, found)
        if runs:
            opened = open_history(path or paths.history_file())
            warning = opened.warning
            if opened.db is not None:
                try:
                    add_runs(opened.db, runs, limit)
                finally:
                    opened.db.close()
    except Exception as err:  # the build has ended already: the history must not change how
        warning = f"history: not recorded ({type(err).__name__}: {err})"
    return warning
