"""One build, for both faces: prepare, write the builders file, run nix, tell a listener as it goes, clean up."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Protocol

from nixswarm.build.command import dry_run_text, invocation
from nixswarm.build.log_flags import LogWish, log_wish
from nixswarm.build.prepare import BuildRequest, prepare
from nixswarm.build.results import Summary
from nixswarm.build.runner import run_nix
from nixswarm.build.summary_file import write_summary
from nixswarm.build.workdir import make_build_dir, remove_build_dir
from nixswarm.files.selection import Skipped
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

    def started(self, wish: LogWish) -> None:
        """nix starts; wish is how the user asked Nix to log (nixswarm honours it, nix logs internal-json)."""

    def line(self, text: str) -> None:
        """One stderr line of nix."""

    def tick(self) -> None:
        """A quiet moment while nix runs (every runner.TICK seconds): elapsed times move."""

    def ended(self) -> Summary:
        """nix has exited: the per-host summary, for --json-summary."""


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
        listener.started(log_wish(prepared.nix_args, prepared.setup.settings.version))
        code = await run_nix(run.argv, run.env, listener.line, listener.tick)
        summary = listener.ended()
        if request.json_summary:
            write_summary(request.json_summary, code, summary, where)
        return code
    finally:
        await asyncio.shield(asyncio.to_thread(remove_build_dir, where))
