"""One `nixswarm build`: prepare, write the private files, run nix with a live view, summarise, clean up."""

from __future__ import annotations

import asyncio
import sys

from nixswarm.build.command import Invocation, invocation
from nixswarm.build.log_flags import log_wish
from nixswarm.build.prepare import BuildRequest, Prepared, prepare
from nixswarm.build.runner import run_nix
from nixswarm.build.summary_file import write_summary
from nixswarm.build.watch import Watch
from nixswarm.build.workdir import BuildDir, make_build_dir, remove_build_dir
from nixswarm.store.atomic import atomic_write
from nixswarm.store.settings import Settings
from nixswarm.store.state import State

__all__ = ["BuildRequest", "build"]


def _say(message: str) -> None:
    print(f"nixswarm: {message}", file=sys.stderr, flush=True)


def build(settings: Settings, state: State, request: BuildRequest) -> int:
    """nix's exit code (130 when interrupted); NixswarmError for what stops the build before nix runs."""
    where = make_build_dir()
    try:
        prepared = asyncio.run(prepare(settings, state, request, where))
        plan = prepared.plan
        for skipped in plan.skipped:
            _say(f"left out {skipped.name}: {skipped.reason}")
        for note in prepared.notes:
            _say(note)
        run = invocation(prepared, where)
        if request.dry_run:
            _print_dry_run(prepared, run, where)
            return 0
        atomic_write(where.machines, run.machines)
        names = ", ".join(h.name for h in plan.hosts) or "none"
        _say(f"builders: {names}" + ("" if request.local_weight != "0" else " (nothing local)"))
        wish = log_wish(prepared.nix_args, prepared.setup.settings.version)
        watch = Watch(plan.machine_names(), interactive=request.interactive, wish=wish)
        code = asyncio.run(run_nix(run.argv, run.env, watch.feed, watch.tick))
        summary = watch.finish()
        if request.json_summary:
            write_summary(request.json_summary, code, summary, where)
        return code
    finally:
        remove_build_dir(where)


def _print_dry_run(prepared: Prepared, run: Invocation, where: BuildDir) -> None:
    import shlex

    print(f"# builders file ({where.machines}); hosts were not contacted (dry run)")
    print(run.machines, end="")
    if not prepared.setup.daemon:
        print(f"\n# ssh config ({where.ssh_config})")
        print(prepared.ssh_config, end="")
    print("\n# command")
    if "NIX_SSHOPTS" in run.env:
        print(f"NIX_SSHOPTS={shlex.quote(run.env['NIX_SSHOPTS'])} \\")
    print(shlex.join(run.argv))
    if prepared.setup.daemon and not prepared.setup.trusted:
        print(f"# WARNING: the nix-daemon does not trust {prepared.setup.user}: it would ignore --builders")
