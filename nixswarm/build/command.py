"""The exact nix command line and environment of a build."""

from __future__ import annotations

import os
import shlex
from collections.abc import Mapping
from dataclasses import dataclass

from nixswarm.build.log_flags import for_nix
from nixswarm.build.prepare import Prepared
from nixswarm.build.workdir import BuildDir, render_machines_file

FEATURES = ("--extra-experimental-features", "nix-command flakes")
POLL = ("--option", "build-poll-interval", "1")
"""Nix asks again for a postponed derivation (every remote slot busy) after this many seconds; its default, 5,
leaves freed builder slots idle for seconds on every wave of a fan-out. A user's own value comes later and wins."""


def nix_argv(where: BuildDir, nix_args: tuple[str, ...], extra: tuple[str, ...] = ()) -> list[str]:
    """`nix build` with our builders file and a log nixswarm can read, then the user's own arguments.

    The user's -L and --log-format are left out: they would change the log format (nixswarm honours them itself).
    """
    return [
        "nix",
        "build",
        *FEATURES,
        "--log-format",
        "internal-json",
        "--builders",
        f"@{where.machines}",
        *POLL,
        *extra,
        *for_nix(nix_args),
    ]


def nix_env(base: Mapping[str, str], where: BuildDir, *, daemon: bool, use_masters: bool = True) -> dict[str, str]:
    """The environment: NIX_SSHOPTS points the ssh Nix runs at our config (a daemon's ssh would not read it).
    use_masters=False keeps Nix's ssh off the build's masters (Nix 2.15 hangs on a session through one)."""
    env = dict(base)
    if not daemon:
        no_masters = "" if use_masters else " -o ControlPath=none"
        env["NIX_SSHOPTS"] = f"{base.get('NIX_SSHOPTS', '')} -F {where.ssh_config}{no_masters}".strip()
    return env


@dataclass(frozen=True)
class Invocation:
    """Everything nix is run with, rendered before anything is written or run."""

    machines: str
    """The builders file's text."""
    argv: list[str]
    """The nix command line."""
    env: dict[str, str]
    """Its environment."""


def invocation(prepared: Prepared, where: BuildDir) -> Invocation:
    """The builders file, command line and environment of a prepared build (the CLI's and the TUI's)."""
    version = prepared.setup.settings.version
    return Invocation(
        machines=render_machines_file(prepared.plan, version),
        argv=nix_argv(where, prepared.nix_args, prepared.weight_args),
        env=nix_env(os.environ, where, daemon=prepared.setup.daemon, use_masters=not version.ssh_hangs_on_masters),
    )


def dry_run_text(prepared: Prepared, run: Invocation, where: BuildDir) -> str:
    """What `--dry-run` prints: the builders file, the ssh config (without a daemon) and the command."""
    parts = [f"# builders file ({where.machines}); hosts were not contacted (dry run)\n", run.machines]
    if not prepared.setup.daemon:
        parts += [f"\n# ssh config ({where.ssh_config})\n", prepared.ssh_config]
    parts.append("\n# command\n")
    if "NIX_SSHOPTS" in run.env:
        parts.append(f"NIX_SSHOPTS={shlex.quote(run.env['NIX_SSHOPTS'])} \\\n")
    parts.append(f"{shlex.join(run.argv)}\n")
    if prepared.setup.daemon and not prepared.setup.trusted:
        parts.append(f"# WARNING: the nix-daemon does not trust {prepared.setup.user}: it would ignore --builders\n")
    return "".join(parts)
