"""Everything a build settles before nix runs: the selection, the checks, the plan and its files."""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from nixswarm.build.eta import Expected, no_history
from nixswarm.build.hook_setup import Placement, hook_options
from nixswarm.build.nix_setup import NixSetup, check_nix, require_trusted
from nixswarm.build.plan import Plan, plan_build
from nixswarm.build.reach import CHECK_TIMEOUT, ProbeVerdict, check_reachable, checked_loads, recently_failed
from nixswarm.build.weight import parse_weight
from nixswarm.build.workdir import BuildDir, render_ssh_files, write_ssh_files
from nixswarm.errors import ConnectionFailure, NixswarmError, ValidationError
from nixswarm.files.root_key import root_keys, with_root_key
from nixswarm.files.selection import Selected, Skipped, resolve
from nixswarm.files.system_files import system_aliases
from nixswarm.history.for_build import ExpectedFromRows, durations_rows
from nixswarm.hook.durations import write_durations
from nixswarm.store import paths
from nixswarm.store.facts_file import load_facts
from nixswarm.store.settings import Defaults, Settings
from nixswarm.store.state import State


@dataclass(frozen=True)
class BuildRequest:
    """What the user asked of this build."""

    hosts: tuple[str, ...] = ()
    """--hosts: only these."""
    exclude: tuple[str, ...] = ()
    """--exclude: not these."""
    local_weight: str | None = None
    """--local-weight as typed (None: Nix's own behaviour)."""
    placement: Placement = "nixswarm"
    """--placement: nixswarm's scheduler picks each derivation's builder, or Nix's own hook does ("nix")."""
    plan: bool = True
    """A dry run beside the build lists what it will build (--no-plan: none)."""
    dry_run: bool = False
    """Print, run nothing."""
    json_summary: str | None = None
    """Where to write the summary."""
    nix_args: tuple[str, ...] = ()
    """For nix build."""
    interactive: bool = False
    """stderr is a terminal: draw the live view."""
    check_timeout: float | None = None
    """--timeout: seconds each host gets to let us in before the build (None: reach.CHECK_TIMEOUT, for a LAN)."""
    recent_probes: Mapping[str, ProbeVerdict] = field(default_factory=dict)
    """Host name -> its last failed probe in this process (the TUI's scan): a host whose ssh failed less than
    reach.RECENT seconds ago is left out without the check's wait."""


@dataclass(frozen=True)
class Prepared:
    """The checked plan of a build."""

    setup: NixSetup
    """The local Nix."""
    plan: Plan
    """Hosts given to Nix and hosts left out."""
    weight_args: tuple[str, ...] = ()
    """Extra nix options for the scheduler and the local weight (the build hook, --max-jobs)."""
    notes: tuple[str, ...] = field(default=())
    """What the user should know."""
    ssh_config: str = ""
    """nixswarm's ssh config of this build (every selected host)."""
    nix_args: tuple[str, ...] = ()
    """The user's nix build arguments, less a -j that --no-local overrides."""
    expected: Expected = no_history
    """expected(name, host): a derivation's past time on a host, from the history (for the ETA)."""


def _known_names(settings: Settings, names: tuple[str, ...], option: str) -> None:
    known = {h.host.name for h in settings.hosts}
    unknown = [n for n in names if n not in known]
    if unknown:
        listed = ", ".join(sorted(known)) or "none yet (nixswarm scan, then nixswarm hosts trust NAME)"
        raise NixswarmError(f"{option}: no host named {', '.join(unknown)}; configured: {listed}", title="Usage")


async def prepare(settings: Settings, state: State, request: BuildRequest, where: BuildDir) -> Prepared:
    """Resolve, check the local Nix, check the hosts (opening their ssh masters), then plan.

    Through a nix-daemon each host gets the key file root's ssh will use, and the check proves that key, without
    the agent root does not have. NixswarmError for what cannot work. A dry run connects to nothing.
    """
    _known_names(settings, request.hosts, "--hosts")
    _known_names(settings, request.exclude, "--exclude")
    try:
        weight = parse_weight(request.local_weight) if request.local_weight is not None else None
    except ValidationError as err:
        raise NixswarmError(err.message, title="Usage") from None
    facts = load_facts(paths.facts_file())
    selected, skipped = resolve(settings, state, only=request.hosts, exclude=request.exclude, facts=facts)
    setup = await check_nix(os.environ)  # first: who runs ssh decides which key the check must prove
    if not request.dry_run:
        require_trusted(setup)  # nothing else matters if the daemon ignores --builders
    cautions: list[str] = []
    if setup.daemon:
        selected, no_key, cautions = await _with_root_keys(selected, settings.defaults)
        skipped += no_key
    ssh_config, known_hosts = render_ssh_files(selected, settings.defaults, where)
    write_ssh_files(ssh_config, known_hosts, where)
    answering = selected
    if not request.dry_run:
        check = request.check_timeout or CHECK_TIMEOUT
        to_check, failed = recently_failed(selected, request.recent_probes, time.monotonic())
        answering, unreachable = await check_reachable(to_check, where, check, as_root=setup.daemon)
        skipped += failed + unreachable
    aliases = system_aliases() if setup.daemon else frozenset()
    plan = plan_build(
        answering, skipped, defaults=settings.defaults, setup=setup, nix_args=request.nix_args, system_aliases=aliases
    )
    readings = checked_loads(answering, where) if not request.dry_run else {}
    expected, durations, warning = await _history(plan, where, write=request.placement == "nixswarm")
    weight_args, notes, nix_args = hook_options(
        weight,
        request.placement,
        setup=setup,
        nix_args=request.nix_args,
        where=where,
        plan=plan,
        readings=readings,
        durations=durations,
    )
    notes += [warning] if warning else []
    notes += cautions
    if setup.daemon and not aliases:
        notes.append(
            "a nix-daemon runs ssh as root: it reads neither NIX_SSHOPTS nor nixswarm's ssh config, so hosts are "
            "given by address, with their key file and host key in the machines file (no aes128-gcm, no "
            "connection reuse; `sudo nixswarm write --system` would add them to /etc/ssh/ssh_config.d)"
        )
    if weight == 0 and not plan.hosts:
        raise ConnectionFailure(_no_builder(plan.skipped), title="No usable builder")
    return Prepared(setup, plan, weight_args, tuple(notes), ssh_config, nix_args, expected)


async def _history(plan: Plan, where: BuildDir, *, write: bool) -> tuple[Expected, Path | None, str]:
    """The history's past times for this build's hosts: the ETA's estimator, the scheduler's file (written when
    write and there is any), and a warning ("" when none)."""
    speeds = {h.name: h.entry.speed_factor for h in plan.hosts}
    keyed = {h.name: (h.selected.key.fingerprint, h.entry.speed_factor) for h in plan.hosts}
    rows, warning = await asyncio.to_thread(durations_rows, paths.history_file(), keyed)
    if not rows:
        return no_history, None, warning
    if write:
        await asyncio.to_thread(write_durations, str(where.durations), rows)
    return ExpectedFromRows(rows, speeds), where.durations if write else None, warning


async def _with_root_keys(
    selected: list[Selected], defaults: Defaults
) -> tuple[list[Selected], list[Skipped], list[str]]:
    """Through a daemon: each host with the key file root's ssh is given (the configured one, else the one the
    user's own ssh would use), the hosts root's ssh has no usable key file for, and cautions."""
    keys = await root_keys(selected, defaults, agent=bool(os.environ.get("SSH_AUTH_SOCK")))
    usable = [with_root_key(s, k) for s, k in zip(selected, keys, strict=True) if k.path is not None]
    no_key = [Skipped(k.name, k.reason) for k in keys if k.reason is not None]
    cautions = [f"{k.name}: {k.caution}" for k in keys if k.caution is not None]
    return usable, no_key, cautions


def _no_builder(skipped: tuple[Skipped, ...]) -> str:
    reasons = "; ".join(f"{s.name}: {s.reason}" for s in skipped) or "no host is configured"
    return f"remote-only build, but no builder can take it ({reasons})"
