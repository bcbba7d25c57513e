"""One build from the TUI: the core's prepare, the builders file, run_nix; the private folder removed after."""

from __future__ import annotations

import asyncio

from nixswarm.build.command import invocation
from nixswarm.build.prepare import BuildRequest, prepare
from nixswarm.build.runner import run_nix
from nixswarm.build.summary_file import write_summary
from nixswarm.build.workdir import make_build_dir, remove_build_dir
from nixswarm.store.atomic import atomic_write
from nixswarm.store.settings import Settings
from nixswarm.store.state import State
from nixswarm.tui.services import BuildListener


async def run_build(settings: Settings, state: State, request: BuildRequest, listener: BuildListener) -> int:
    """nix's exit code; NixswarmError for what stops the build before nix runs. Cancelling stops nix first."""
    where = make_build_dir()
    try:
        prepared = await prepare(settings, state, request, where)
        plan = prepared.plan
        listener.planned(plan.machine_names(), plan.skipped, prepared.notes)
        run = invocation(prepared, where)
        atomic_write(where.machines, run.machines)
        code = await run_nix(run.argv, run.env, listener.line)
        if request.json_summary:
            write_summary(request.json_summary, code, listener.ended(), where)
        return code
    finally:
        await asyncio.shield(asyncio.to_thread(remove_build_dir, where))
