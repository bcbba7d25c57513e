"""The build hook of one build: nixswarm's scheduler and local weight in front of Nix's own hook, or none."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Literal

from nixswarm.build.argv import user_max_jobs, without_max_jobs
from nixswarm.build.nix_setup import NixSetup
from nixswarm.build.plan import Plan
from nixswarm.build.workdir import BuildDir

Placement = Literal["nixswarm", "nix"]
"""Who picks the builder of each derivation: nixswarm's scheduler, or Nix's own hook alone."""
PLACEMENTS: tuple[Placement, ...] = ("nixswarm", "nix")
Reading = tuple[float | None, int | None]
"""A host's (1-minute load, online CPUs) when the build began; None where unknown."""


def policy_hosts(plan: Plan, readings: Mapping[str, Reading], local_system: str) -> list[dict[str, object]]:
    """The scheduler's view of each builder given to Nix (hook/hosts.py reads it back); no systems in column 2
    means the local system, as for Nix."""
    hosts: list[dict[str, object]] = []
    for h in plan.hosts:
        load, cores = readings.get(h.name, (None, None))
        entry = h.entry
        hosts.append(
            {
                "name": h.name,
                "line": h.line,
                "systems": list(entry.systems) or [local_system],
                "features": list(entry.supported_features),
                "mandatory": list(entry.mandatory_features),
                "slots": entry.max_jobs,
                "speed": entry.speed_factor,
                "cores": cores or 1,
                "max_load": h.selected.entry.host.max_load,
                "load": load,
            }
        )
    return hosts


def hook_options(
    weight: float | None,
    placement: Placement,
    *,
    setup: NixSetup,
    nix_args: tuple[str, ...],
    where: BuildDir,
    plan: Plan,
    readings: Mapping[str, Reading],
    durations: Path | None = None,
) -> tuple[tuple[str, ...], list[str], tuple[str, ...]]:
    """Nix options, notes and the user's nix arguments for the local weight and the scheduler: --max-jobs 0 for
    remote only (a -j of the user's would undo it, so it is dropped), and nixswarm's build-hook proxy in front of
    Nix's when the scheduler places derivations or the local machine takes a share. durations: the file of past
    build times the scheduler reads (written by the caller), if any."""
    given = user_max_jobs(nix_args)
    jobs: tuple[str, ...] = ()
    notes: list[str] = []
    if weight == 0:
        jobs = ("--max-jobs", "0")
        if given is not None:
            notes.append(f"remote only: -j {given} is dropped")
            nix_args = without_max_jobs(nix_args)
    scheduling = placement == "nixswarm" and bool(plan.hosts)
    if not scheduling and not weight:
        return jobs, notes, nix_args
    from nixswarm.hook.install import build_hook_options, policy_json, real_hook_of, write_launcher

    try:
        real = real_hook_of(list(setup.settings.build_hook))
    except ValueError as err:
        return jobs, [*notes, f"nixswarm's build hook is not used: {err}"], nix_args
    where.ledger.mkdir(mode=0o700, exist_ok=True)
    hosts = policy_hosts(plan, readings, setup.settings.system) if scheduling else []
    policy = policy_json(
        weight, where.ledger, real, setup.settings.version, hosts=hosts, loads=where.loads, durations=durations
    )
    launcher = write_launcher(where.root, policy)
    if weight:
        local_jobs = max(1, setup.settings.max_jobs)
        jobs = () if given else ("--max-jobs", str(local_jobs))
        notes.append(
            f"local weight {weight:.0%}: nixswarm's build hook places derivations "
            + ("on the local slots first" if weight == 1 else f"so that about {weight:.0%} build locally")
            + f" ({given or local_jobs} local slot(s))"
        )
    return (*build_hook_options(launcher), *jobs), notes, nix_args
