"""One `nixswarm build`: prepare, write the private files, run nix with a live view, summarise, clean up."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from pathlib import Path

from nixswarm.build.command import nix_argv, nix_env
from nixswarm.build.nix_setup import require_trusted
from nixswarm.build.prepare import BuildRequest, Prepared, prepare
from nixswarm.build.runner import run_nix
from nixswarm.build.watch import Watch
from nixswarm.build.workdir import BuildDir, RenderedFiles, make_build_dir, remove_build_dir, render_files, write_files
from nixswarm.store.atomic import atomic_write
from nixswarm.store.settings import Settings
from nixswarm.store.state import State

__all__ = ["BuildRequest", "build"]


def _say(message: str) -> None:
    print(f"nixswarm: {message}", file=sys.stderr, flush=True)


def build(settings: Settings, state: State, request: BuildRequest) -> int:
    """nix's exit code (130 when interrupted); NixswarmError for what stops the build before nix runs."""
    prepared = asyncio.run(prepare(settings, state, request))
    plan = prepared.plan
    for skipped in plan.skipped:
        _say(f"left out {skipped.name}: {skipped.reason}")
    for note in prepared.notes:
        _say(note)
    if not request.dry_run:
        require_trusted(prepared.setup)
    where = make_build_dir()
    try:
        files = render_files(plan, settings.defaults, prepared.setup.settings.version, where,
                             daemon=prepared.setup.daemon)  # fmt: skip
        argv = nix_argv(where, request.nix_args, prepared.weight_args)
        env = nix_env(os.environ, where, daemon=prepared.setup.daemon)
        if request.dry_run:
            _print_dry_run(prepared, files, where, argv, env)
            return 0
        write_files(files, where)
        names = ", ".join(h.name for h in plan.hosts) or "none"
        _say(f"builders: {names}" + ("" if request.local_weight != "0" else " (nothing local)"))
        watch = Watch(plan.machine_names(), interactive=request.interactive, print_logs=_wants_logs(request))
        code = asyncio.run(run_nix(argv, env, watch.feed))
        summary = watch.finish(code)
        if request.json_summary:
            atomic_write(Path(request.json_summary), json.dumps(summary, indent=2) + "\n", mode=0o644)
        return code
    finally:
        remove_build_dir(where, [h.name for h in plan.hosts])


def _wants_logs(request: BuildRequest) -> bool:
    return any(a in ("-L", "--print-build-logs") for a in request.nix_args)


def _print_dry_run(
    prepared: Prepared, files: RenderedFiles, where: BuildDir, argv: list[str], env: dict[str, str]
) -> None:
    import shlex

    print(f"# builders file ({where.machines})")
    print(files.machines, end="")
    if files.ssh_config is not None:
        print(f"\n# ssh config ({where.ssh_config})")
        print(files.ssh_config, end="")
    print("\n# command")
    if "NIX_SSHOPTS" in env:
        print(f"NIX_SSHOPTS={shlex.quote(env['NIX_SSHOPTS'])} \\")
    print(shlex.join(argv))
    if prepared.setup.daemon and not prepared.setup.trusted:
        print(f"# WARNING: the nix-daemon does not trust {prepared.setup.user}: it would ignore --builders")
