"""`nixswarm build`'s own options, declared once: for the command line and for the TUI's build prompt."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, NoReturn

from nixswarm.build.argv import BuildUsageError, split_build_argv

if TYPE_CHECKING:
    from nixswarm.build.prepare import BuildRequest

WEIGHT_HELP = """how much builds locally: prefer-local (1), a share such as 30%% or 0.3, or remote-only (0).
Default: Nix's own behaviour (remote first, local only when every remote slot is busy)."""
PLACEMENT_HELP = """who picks each derivation's builder: nixswarm (default: the host where it should finish first,
from its inputs already there, live load and the owners' limits) or nix (Nix's own hook alone)."""
PLAN_HELP = """no `nix build --dry-run` beside the build, so nix evaluates once: the ETA then works without the
graph still to build, and the scheduler without its look ahead."""
PROMPT_OPTIONS = (
    "--hosts",
    "--exclude",
    "--local-weight",
    "--no-local",
    "--placement",
    "--no-plan",
    "--json-summary",
)
"""The options the TUI's build prompt takes; the others (discovery, --config, --dry-run) belong to the command."""


def add_build_options(parser: argparse.ArgumentParser) -> None:
    """--hosts, --exclude, --local-weight, --no-local, --placement, --no-plan, --dry-run, --json-summary."""
    own = parser.add_argument_group("nixswarm build")
    own.add_argument("--hosts", metavar="A,B", help="use only these hosts (even if disabled)")
    own.add_argument("--exclude", metavar="A,B", help="leave these hosts out")
    own.add_argument("--local-weight", metavar="W", help=WEIGHT_HELP)
    own.add_argument("--no-local", action="store_true", help="build nothing locally (same as --local-weight 0)")
    own.add_argument("--placement", choices=("nixswarm", "nix"), default="nixswarm", help=PLACEMENT_HELP)
    own.add_argument("--no-plan", action="store_true", help=PLAN_HELP)
    own.add_argument("--dry-run", action="store_true", help="print the builders file, ssh config and nix command")
    own.add_argument("--json-summary", metavar="FILE", help="write the per-host summary as JSON")


def request_from(args: argparse.Namespace, nix_args: tuple[str, ...], *, interactive: bool) -> BuildRequest:
    """The request the parsed options ask for."""
    from nixswarm.build.prepare import BuildRequest  # not at import: every command registers these options

    return BuildRequest(
        hosts=_names(args.hosts),
        exclude=_names(args.exclude),
        local_weight="0" if args.no_local else args.local_weight,
        placement=args.placement,
        plan=not args.no_plan,
        dry_run=args.dry_run,
        json_summary=args.json_summary,
        nix_args=nix_args,
        interactive=interactive,
        check_timeout=getattr(args, "timeout", None),  # the discovery option; the TUI's prompt has none
    )


class _PromptParser(argparse.ArgumentParser):
    """Raises instead of printing usage and exiting: the TUI shows the message."""

    def error(self, message: str) -> NoReturn:
        raise BuildUsageError(message)


def request_of_words(words: list[str], default_weight: str | None, check_timeout: float | None = None) -> BuildRequest:
    """What the TUI's prompt asks for: installables and nix options, with PROMPT_OPTIONS anywhere before `--`.

    default_weight applies unless --local-weight or --no-local is typed, check_timeout is the app's --timeout;
    BuildUsageError for anything else of nixswarm's own (it belongs on the command line) or a malformed option.
    """
    split = split_build_argv(words)
    for word in split.own:
        name = word.split("=", 1)[0]
        if name.startswith("-") and name not in PROMPT_OPTIONS:
            raise BuildUsageError(
                f"{name} is an option of the nixswarm command, not of a build: "
                f"here you can give {', '.join(PROMPT_OPTIONS)}"
            )
    parser = _PromptParser(prog="build", add_help=False)
    add_build_options(parser)
    args = parser.parse_args(list(split.own))
    if not split.nix:
        raise BuildUsageError("name something to build")
    if args.local_weight is None and not args.no_local:
        args.local_weight = default_weight
    args.timeout = check_timeout
    return request_from(args, split.nix, interactive=False)


def _names(text: str | None) -> tuple[str, ...]:
    return tuple(n.strip() for n in (text or "").split(",") if n.strip())
