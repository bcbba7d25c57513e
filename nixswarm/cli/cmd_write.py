"""`nixswarm write`: the machines file, ssh config and known_hosts of the saved selection."""

from __future__ import annotations

import argparse
from pathlib import Path

from nixswarm.cli.options import add_config_option
from nixswarm.cli.output import warn


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the subcommand."""
    parser = sub.add_parser("write", help="write the machines file and ssh config", description=__doc__)
    add_config_option(parser)
    parser.add_argument("--machines", metavar="FILE", help="machines file (default: nixswarm's own folder)")
    parser.add_argument("--ssh-config", metavar="FILE", help="ssh config (default: nixswarm's own folder)")
    parser.add_argument("--no-include", action="store_true", help="do not add the Include line to ~/.ssh/config")
    parser.add_argument("--dry-run", action="store_true", help="print the files instead of writing them")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Render everything first; write only when all of it is valid."""
    import asyncio

    from nixswarm.cli import context
    from nixswarm.model.nixversion import NIX_2_8
    from nixswarm.nix.local_nix import local_nix_facts
    from nixswarm.selection import resolve
    from nixswarm.ssh.include import ensure_include
    from nixswarm.store import paths
    from nixswarm.writer import Targets, render_all, write_all

    settings = context.settings_for(args)
    selected, skipped = resolve(settings, context.state())
    for s in skipped:
        warn(f"left out {s.name}: {s.reason}")
    try:
        nix = asyncio.run(local_nix_facts()).version
    except RuntimeError as err:
        warn(f"{err}; writing for Nix {NIX_2_8}, which every later Nix also reads")
        nix = NIX_2_8
    ssh_config = Path(args.ssh_config).absolute() if args.ssh_config else paths.ssh_config_file()
    targets = Targets(
        machines=Path(args.machines).absolute() if args.machines else paths.machines_file(),
        ssh_config=ssh_config,
        known_hosts=ssh_config.with_name("known_hosts"),
        control_dir=paths.control_dir(),
    )
    rendered = render_all(selected, settings.defaults, nix, targets)
    if args.dry_run:
        for name, text in (("machines", rendered.machines), ("ssh config", rendered.ssh_config)):
            print(f"# --- {name} ---\n{text}")
        return 0
    write_all(rendered, targets)
    print(f"machines file: {targets.machines} ({len(selected)} builder(s))")
    print(f"ssh config:    {targets.ssh_config}")
    if not args.no_include and ensure_include(paths.user_ssh_config(), targets.ssh_config):
        print(f"added 'Include {targets.ssh_config}' to {paths.user_ssh_config()}")
    print(f"use it: nix build --builders @{targets.machines} ...")
    return 0
