"""One build from the TUI: the core's prepare, the builders file, run_nix; the private folder removed after."""

from __future__ import annotations

import asyncio
import os

from nixswarm.build.command import nix_argv, nix_env
from nixswarm.build.prepare import BuildRequest, prepare
from nixswarm.build.runner import run_nix
from nixswarm.build.workdir import make_build_dir, remove_build_dir, render_machines_file
from nixswarm.store.atomic import atomic_write
from nixswarm.store.settings import Settings
from nixswarm.store.state import State
from nixswarm.tui.services import BuildListener


async def run_build(settings: Settings, state: State, request: BuildRequest, listener: BuildListener) -> int:
    """nix's exit code; NixswarmError for what stops the build before nix runs. Cancelling stops nix first."""
    where = make_build_dir()
    hosts: list[str] = []
    try:
        prepared = await prepare(settings, state, request, where)
        plan = prepared.plan
        hosts = [h.name for h in plan.hosts] + [s.name for s in plan.skipped]
        listener.planned(plan.machine_names(), plan.skipped, prepared.notes)
        atomic_write(where.machines, render_machines_file(plan, prepared.setup.settings.version))
        argv = nix_argv(where, prepared.nix_args, prepared.weight_args)
        env = nix_env(os.environ, where, daemon=prepared.setup.daemon)
        return await run_nix(argv, env, listener.line)
    finally:
        await asyncio.shield(asyncio.to_thread(remove_build_dir, where, hosts))
