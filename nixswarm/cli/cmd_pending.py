"""Subcommands whose implementation has not landed yet: they say so and exit 2."""

from __future__ import annotations

import argparse

from nixswarm.cli.options import add_config_option, add_discovery_options
from nixswarm.errors import NixswarmError

PENDING = {
    "build": ("run nix build across the chosen builders", "the build wrapper"),
}


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add each pending subcommand with its real options, so --help already tells the truth."""
    for name, (summary, _) in PENDING.items():
        parser = sub.add_parser(name, help=summary, description=summary)
        if name == "build":
            add_discovery_options(parser)
            parser.add_argument("nix_args", nargs=argparse.REMAINDER, help="arguments passed to nix build")
        add_config_option(parser)
        parser.set_defaults(run=run, pending=name)


def run(args: argparse.Namespace) -> int:
    """Refuse clearly."""
    raise NixswarmError(
        f"`nixswarm {args.pending}` ({PENDING[args.pending][1]}) is not implemented yet",
        title="Not available",
    )
