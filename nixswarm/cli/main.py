"""Entry point of `nixswarm`: parse arguments, run one command, turn errors into exit codes."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from nixswarm import __version__
from nixswarm.cli import (
    cmd_advertise,
    cmd_build,
    cmd_doctor,
    cmd_explain,
    cmd_export,
    cmd_history,
    cmd_hosts,
    cmd_scan,
    cmd_write,
)
from nixswarm.cli.options import add_config_option, add_discovery_options
from nixswarm.errors import ExitCode, NixswarmError

EPILOG = """exit codes:
  0    ok
  1    the build failed
  2    usage or configuration error
  3    no usable builder, or a connection failed
  130  interrupted (Ctrl-C)
"""


def build_parser() -> argparse.ArgumentParser:
    """The whole command line."""
    parser = argparse.ArgumentParser(
        prog="nixswarm",
        description="Discover, probe, choose and use Nix remote builders. Without a command: the TUI.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"nixswarm {__version__}")
    add_discovery_options(parser)
    add_config_option(parser)
    parser.add_argument("--theme", help="TUI theme")
    sub = parser.add_subparsers(title="commands", metavar="COMMAND")
    for module in (
        cmd_scan,
        cmd_build,
        cmd_advertise,
        cmd_export,
        cmd_hosts,
        cmd_write,
        cmd_explain,
        cmd_doctor,
        cmd_history,
    ):
        module.register(sub)
    parser.set_defaults(run=_tui)
    return parser


def _tui(args: argparse.Namespace) -> int:
    """The TUI, with the discovery options and --theme (Textual is imported only here)."""
    from nixswarm.cli import context
    from nixswarm.scan.session import ScanOptions
    from nixswarm.tui import make_app

    options = ScanOptions(mdns=not args.no_mdns, interfaces=tuple(args.interface))
    app = make_app(
        config_path=context.config_path(args), overrides=context.overrides(args), options=options, theme=args.theme
    )
    app.run()
    return int(app.return_code or 0)


GLOBAL_VALUES = frozenset({"--interface", "--user", "--identity", "--timeout", "--config", "--theme"})


def _parse(parser: argparse.ArgumentParser, argv: list[str]) -> argparse.Namespace:
    """argparse, except that `build` hands every option it does not know to nix build."""
    from nixswarm.build.argv import split_build_argv

    i = 0
    while i < len(argv) and argv[i].startswith("-"):
        i += 2 if argv[i] in GLOBAL_VALUES else 1
    if i < len(argv) and argv[i] == "build":
        split = split_build_argv(argv[i + 1 :])
        args = parser.parse_args([*argv[: i + 1], *split.own])
        args.nix_args = split.nix
        return args
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    """Run nixswarm; return the exit code."""
    parser = build_parser()
    try:
        args = _parse(parser, list(sys.argv[1:] if argv is None else argv))
        return int(args.run(args))
    except NixswarmError as err:
        print(f"nixswarm: {err.title}: {err.message}", file=sys.stderr)
        return int(err.exit_code)
    except KeyboardInterrupt:
        print("nixswarm: interrupted", file=sys.stderr)
        return int(ExitCode.INTERRUPTED)
