"""`nixswarm build`: nix build across exactly the chosen builders, checked first, watched live."""

from __future__ import annotations

import argparse
import sys

from nixswarm.build.request_args import add_build_options, request_from
from nixswarm.cli.options import add_config_option, add_discovery_options

USAGE = "nixswarm build [OPTIONS] INSTALLABLE... [NIX BUILD OPTIONS] [-- NIX ARGS]"
DESCRIPTION = """Run `nix build` with a builders list made for this invocation: the chosen, trusted hosts that
answer now. Every option nixswarm does not know goes to nix build (e.g. -f FILE, --argstr NAME VALUE, -v);
after `--` everything does. -L and --log-format are done by nixswarm itself (nix keeps logging internal-json
to it): -L prints each build's output as `[host] name> line`. Nix's own --timeout setting is spelled
`--option timeout N` here."""


TIMEOUT_HELP = """seconds each host gets to let nixswarm in before the build (default 1, for a LAN; give more for
hosts far away, such as Tailscale or hosted builders); also Nix's ssh ConnectTimeout (default 3)"""


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the subcommand."""
    parser = sub.add_parser(
        "build", help="run nix build across the chosen builders", usage=USAGE, description=DESCRIPTION
    )
    add_build_options(parser)
    add_discovery_options(parser, TIMEOUT_HELP)
    add_config_option(parser)
    parser.set_defaults(run=run, nix_args=())


def run(args: argparse.Namespace) -> int:
    """Plan, check, run, summarise."""
    import asyncio

    from nixswarm.build.pipeline import run_build
    from nixswarm.build.watch import TerminalBuild
    from nixswarm.cli import context

    request = request_from(args, tuple(args.nix_args), interactive=sys.stderr.isatty())
    settings, state = context.settings_for(args), context.state()
    return asyncio.run(run_build(settings, state, request, TerminalBuild(request)))
