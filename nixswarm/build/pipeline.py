"""One build, for both faces: prepare, write the builders file, run nix, tell a listener as it goes, clean up."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Protocol

from nixswarm.build.command import dry_run_text, invocation
from nixswarm.build.copy_meter import CopyMeter
from nixswarm.build.dry_plan import DryPlan
from nixswarm.build.eta import Expected
from nixswarm.build.live_load import live_loads
from nixswarm.build.log_flags import LogWish, log_wish
from nixswarm.build.lookahead_file import write_lookahead
from nixswarm.build.placement_log import PlacementLog, no_reason
from nixswarm.build.prepare import BuildRequest, prepare
from nixswarm.build.results import Summary
from nixswarm.build.runner import run_nix
from nixswarm.build.summary_file import write_summary
from nixswarm.build.workdir import make_build_dir, remove_build_dir
from nixswarm.files.selection import Skipped
from nixswarm.history.from_build import record_build
from nixswarm.hook.scheduler import PLACEMENTS
from nixswarm.store.atomic import atomic_write
from nixswarm.store.settings import Settings
from nixswarm.store.state import State

__all__ = ["BuildListener", "run_build"]


class BuildListener(Protocol):
    """Told what a build does, as it does it: the terminal views of `nixswarm build`, and the TUI."""

    def planned(self, machines: dict[str, str], skipped: Sequence[Skipped], notes: Sequence[str]) -> None:
        """The plan: Nix's machine names to host names, the hosts left out, notes; before anything runs."""

    def dry_run(self, text: str) -> None:
        """A dry run: the builders file, ssh config and command nix would be run with; nothing runs."""

    def started(self, wish: LogWish, why: Callable[[str], str], expected: Expected) -> None:
        """nix starts; wish is how the user asked Nix to log (nixswarm honours it, nix logs internal-json); why(drv)
        says why the scheduler sent a derivation where it builds ("" when it did not choose); expected(name, host)
        is a derivation's past time on a host (the build history's), for the ETA."""

    def planned_drvs(self, drvs: Sequence[str]) -> None:
        """The derivations nix will build, from a dry run beside the build (may come at any time while it runs,
        or never)."""

    def lines(self, texts: Sequence[str]) -> None:
        """Stderr lines of nix, a batch as read (a chatty build sends thousands at once)."""

    def tick(self) -> None:
        """A quiet moment while nix runs (every runner.TICK seconds): elapsed times move."""

    def ended(self) -> Summary:
        """nix has exited: the per-host summary, for --json-summary."""

    def history_warning(self, text: str) -> None:
        """After ended: what went wrong with the build history (a corrupt file set aside, or the build not
        recorded); the build's own outcome is not changed by it."""


async def run_build(settings: Settings, state: State, request: BuildRequest, listener: BuildListener) -> int:
    """nix's exit code (130 when interrupted, 0 for a dry run); NixswarmError for what stops the build before nix
    runs. Cancelling stops nix first; the build's folder is removed, its ssh masters closed, however it ends."""
    where = make_build_dir()
    try:
        prepared = await prepare(settings, state, request, where)
        plan = prepared.plan
        listener.planned(plan.machine_names(), plan.skipped, prepared.notes)
        run = invocation(prepared, where)
        if request.dry_run:
            listener.dry_run(dry_run_text(prepared, run, where))
            return 0
        atomic_write(where.machines, run.machines)
        followed = [h.name for h in plan.hosts] if request.placement == "nixswarm" else []
        why = PlacementLog(where.ledger / PLACEMENTS).why if followed else no_reason
        listener.started(log_wish(prepared.nix_args, prepared.setup.settings.version), why, prepared.expected)
        began = time.time()
        dry = DryPlan(run.argv, run.env)
        ahead = where.ledger if followed else None
        planning = [asyncio.create_task(_planning(dry, listener, ahead, prepared.expected))] if request.plan else []
        meter = CopyMeter(plan.machine_names(), where.ledger) if followed else None
        on_lines = listener.lines if meter is None else _tapped(listener.lines, meter)
        try:
            async with live_loads(followed, where):
                code = await run_nix(run.argv, run.env, on_lines, listener.tick)
        finally:
            if meter is not None:
                meter.close()
        dry.stop()
        if planning:
            await asyncio.wait(planning, timeout=5)
        summary = listener.ended()
        warning = await asyncio.to_thread(record_build, summary, prepared, began, settings.defaults.history_rows)
        if warning:
            listener.history_warning(warning)
        if request.json_summary:
            write_summary(request.json_summary, code, summary, where)
        return code
    finally:
        await asyncio.shield(asyncio.to_thread(remove_build_dir, where))


def _tapped(lines: Callable[[Sequence[str]], None], meter: CopyMeter) -> Callable[[Sequence[str]], None]:
    """lines, with the copy meter shown every batch first."""

    def both(texts: Sequence[str]) -> None:
        meter.lines(texts)
        lines(texts)

    return both


async def _planning(dry: DryPlan, listener: BuildListener, ahead: Path | None, expected: Expected) -> None:
    """The dry run's derivations to the listener and, when nixswarm places them, to the scheduler's look ahead
    (in the hook's folder ahead). What goes wrong here only costs the build its progress total or look ahead."""
    try:
        drvs = await dry.run()
    except OSError:
        return
    if not drvs:
        return
    listener.planned_drvs(drvs)
    if ahead is not None and not dry.stopping:
        try:
            await asyncio.to_thread(write_lookahead, ahead, drvs, expected)
        except (OSError, ValueError) as err:
            logging.getLogger(__name__).warning("nixswarm: no look ahead for the scheduler: %s", err)
