"""`nixswarm write`: the machines file, ssh config and known_hosts of the saved selection."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from nixswarm.cli.options import add_config_option
from nixswarm.cli.output import warn

if TYPE_CHECKING:
    import pwd

    from nixswarm.files.selection import Selected
    from nixswarm.files.writer import Targets
    from nixswarm.model.nixversion import NixVersion
    from nixswarm.store.settings import Defaults


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the subcommand."""
    parser = sub.add_parser("write", help="write the machines file and ssh config", description=__doc__)
    add_config_option(parser)
    parser.add_argument("--machines", metavar="FILE", help="machines file (default: nixswarm's own folder)")
    parser.add_argument("--ssh-config", metavar="FILE", help="ssh config (default: nixswarm's own folder)")
    parser.add_argument("--no-include", action="store_true", help="do not add the Include line to ~/.ssh/config")
    parser.add_argument("--dry-run", action="store_true", help="print the files instead of writing them")
    parser.add_argument(
        "--system",
        action="store_true",
        help="for a nix-daemon (run with sudo): /etc/nix/nixswarm-machines and an ssh drop-in "
        "in /etc/ssh/ssh_config.d that root's ssh reads",
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Render everything first; write only when all of it is valid."""
    import asyncio

    from nixswarm.cli import context
    from nixswarm.files.selection import resolve
    from nixswarm.files.writer import user_targets
    from nixswarm.model.nixversion import NIX_2_8
    from nixswarm.nix.local_nix import local_nix_facts
    from nixswarm.ssh.include import ensure_include
    from nixswarm.store import paths
    from nixswarm.store.facts_file import load_facts

    if args.system:
        return _system(args)
    settings = context.settings_for(args)
    facts = load_facts(paths.facts_file())  # systems and features from the last probe, where the config has none
    selected, skipped = resolve(settings, context.state(), facts=facts)
    for s in skipped:
        warn(f"left out {s.name}: {s.reason}")
    try:
        nix = asyncio.run(local_nix_facts()).version
    except RuntimeError as err:
        warn(f"{err}; writing for Nix {NIX_2_8}, which every later Nix also reads")
        nix = NIX_2_8
    targets = user_targets(
        machines=Path(args.machines).absolute() if args.machines else None,
        ssh_config=Path(args.ssh_config).absolute() if args.ssh_config else None,
    )
    if not _render_and_write(selected, settings.defaults, nix, targets, dry_run=args.dry_run):
        return 0
    print(f"machines file: {targets.machines} ({len(selected)} builder(s))")
    print(f"ssh config:    {targets.ssh_config}")
    if not args.no_include and ensure_include(paths.user_ssh_config(), targets.ssh_config):
        print(f"added 'Include {targets.ssh_config}' to {paths.user_ssh_config()}")
    print(f"use it: nix build --builders @{targets.machines} ...")
    return 0


def _system(args: argparse.Namespace) -> int:
    """The selection of the user who ran sudo, written where a nix-daemon's root ssh reads it."""
    import asyncio

    from nixswarm.files.selection import resolve
    from nixswarm.files.system_files import invoking_user, system_targets
    from nixswarm.nix.local_nix import local_nix_facts
    from nixswarm.store.facts_file import load_facts
    from nixswarm.store.settings_file import load_settings
    from nixswarm.store.state import load_state

    user = invoking_user()
    home = Path(user.pw_dir) if user else Path.home()
    config = Path(args.config).absolute() if args.config else home / ".config/nixswarm/config.toml"
    settings = load_settings(config)
    state_dir = home / ".local/state/nixswarm"
    facts = load_facts(state_dir / "facts.json")
    selected, skipped = resolve(settings, load_state(state_dir / "state.json"), facts=facts)
    for s in skipped:
        warn(f"left out {s.name}: {s.reason}")
    selected = asyncio.run(_with_root_keys(selected, settings.defaults, user))
    nix = asyncio.run(local_nix_facts()).version
    targets = system_targets()
    if not _render_and_write(selected, settings.defaults, nix, targets, dry_run=args.dry_run):
        return 0
    print(f"ssh drop-in:   {targets.ssh_config} (root's ssh reads it; nixswarm build uses its aliases)")
    keys = dict.fromkeys(s.entry.host.identity_file for s in selected if s.entry.host.identity_file)
    if keys:
        print(f"key files:     {', '.join(keys)} (root's ssh uses only these)")
    print(f"machines file: {targets.machines} ({len(selected)} builder(s))")
    print(
        f"to make them the default for every build, add to /etc/nix/nix.conf (nixswarm never edits it):\n"
        f"  builders = @{targets.machines}\nthen restart nix-daemon"
    )
    return 0


async def _with_root_keys(
    selected: list[Selected], defaults: Defaults, user: pwd.struct_passwd | None
) -> list[Selected]:
    """Each host with the key file root's ssh is to use: the configured one, else the one the user's own ssh
    would use (asked as that user); a host with none is written without, and the user is told why."""
    import os

    from nixswarm.files.root_key import root_keys, with_root_key

    keys = await root_keys(selected, defaults, agent=bool(os.environ.get("SSH_AUTH_SOCK")), as_user=user)
    for key in keys:
        if key.reason:
            warn(f"{key.name}: the drop-in names no key file, so root's ssh offers only root's own keys: {key.reason}")
        if key.caution:
            warn(f"{key.name}: {key.caution}")
    return [with_root_key(s, k) for s, k in zip(selected, keys, strict=True)]


def _render_and_write(
    selected: list[Selected], defaults: Defaults, nix: NixVersion, targets: Targets, *, dry_run: bool
) -> bool:
    """Render every file, then print them (dry run, returns False) or write them all (returns True)."""
    from nixswarm.files.writer import render_all, write_all

    rendered = render_all(selected, defaults, nix, targets)
    if dry_run:
        for name, text in (("machines", rendered.machines), ("ssh config", rendered.ssh_config)):
            print(f"# --- {name} ---\n{text}")
        return False
    write_all(rendered, targets)
    return True
