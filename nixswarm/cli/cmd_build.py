"""`nixswarm build`: nix build across exactly the chosen builders, checked first, watched live."""

from __future__ import annotations

import argparse
import sys

from nixswarm.cli.options import add_config_option, add_discovery_options

USAGE = "nixswarm build [OPTIONS] INSTALLABLE... [NIX BUILD OPTIONS] [-- NIX ARGS]"
DESCRIPTION = """Run `nix build` with a builders list made for this invocation: the chosen, trusted hosts that
answer now. Every option nixswarm does not know goes to nix build (e.g. -L, -f FILE, --argstr NAME VALUE);
after `--` everything does. Nix's own --timeout setting is spelled `--option timeout N` here."""
WEIGHT_HELP = """how much builds locally: prefer-local (1), a share such as 30%% or 0.3, or remote-only (0).
Default: Nix's own behaviour (remote first, local only when every remote slot is busy)."""


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the subcommand."""
    parser = sub.add_parser("build", help="run nix build across the chosen builders", usage=USAGE,
                            description=DESCRIPTION)  # fmt: skip
    own = parser.add_argument_group("nixswarm build")
    own.add_argument("--hosts", metavar="A,B", help="use only these hosts (even if disabled)")
    own.add_argument("--exclude", metavar="A,B", help="leave these hosts out")
    own.add_argument("--local-weight", metavar="W", help=WEIGHT_HELP)
    own.add_argument("--no-local", action="store_true", help="build nothing locally (same as --local-weight 0)")
    own.add_argument("--dry-run", action="store_true", help="print the builders file, ssh config and nix command")
    own.add_argument("--json-summary", metavar="FILE", help="write the per-host summary as JSON")
    add_discovery_options(parser)
    add_config_option(parser)
    parser.set_defaults(run=run, nix_args=())


def run(args: argparse.Namespace) -> int:
    """Plan, check, run, summarise."""
    from nixswarm.build.session import BuildRequest, build
    from nixswarm.cli import context

    request = BuildRequest(
        hosts=_names(args.hosts),
        exclude=_names(args.exclude),
        local_weight="0" if args.no_local else args.local_weight,
        dry_run=args.dry_run,
        json_summary=args.json_summary,
        nix_args=tuple(args.nix_args),
        interactive=sys.stderr.isatty(),
    )
    return build(context.settings_for(args), context.state(), request)


def _names(text: str | None) -> tuple[str, ...]:
    return tuple(n.strip() for n in (text or "").split(",") if n.strip())
