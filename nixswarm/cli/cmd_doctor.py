"""`nixswarm doctor`: check what would silently break distributed builds, each finding with its fix."""

from __future__ import annotations

import argparse

from nixswarm.cli.options import add_config_option


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the subcommand."""
    parser = sub.add_parser("doctor", help="check the set-up and say how to fix it", description=__doc__)
    add_config_option(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Print one line per check; exit 3 when something blocks remote builds."""
    import asyncio

    from nixswarm.cli import context
    from nixswarm.doctor import run_checks

    findings = asyncio.run(run_checks(context.config_path(args)))
    worst = 0
    for f in findings:
        print(f"[{f.level.upper():4}] {f.check}: {f.message}")
        if f.fix:
            print(f"       fix: {f.fix}")
        if f.level == "fail":
            worst = 3
    return worst
