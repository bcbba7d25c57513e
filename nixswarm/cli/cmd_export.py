"""`nixswarm export nixos`: the saved selection as configuration.nix text, on stdout."""

from __future__ import annotations

import argparse

from nixswarm.cli.options import add_config_option


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the subcommand."""
    parser = sub.add_parser("export", help="the selection for other tools (nixos)", description=__doc__)
    parser.add_argument("format", choices=["nixos"], help="nixos: nix.buildMachines and programs.ssh.knownHosts")
    add_config_option(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Print the snippet; hosts left out are named on stderr."""
    from nixswarm.cli import context
    from nixswarm.cli.output import warn
    from nixswarm.files.nixos_export import render_nixos
    from nixswarm.files.selection import resolve
    from nixswarm.store import paths
    from nixswarm.store.facts_file import load_facts

    settings = context.settings_for(args)
    facts = load_facts(paths.facts_file())  # systems and features from the last probe, where the config has none
    selected, skipped = resolve(settings, context.state(), facts=facts)
    for s in skipped:
        warn(f"left out {s.name}: {s.reason}")
    print(render_nixos(selected, settings.defaults), end="")
    return 0
