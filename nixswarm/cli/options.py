"""Options shared by the TUI, `scan` and `build`: where and how to discover builders."""

from __future__ import annotations

import argparse


def positive_seconds(text: str) -> float:
    """A --timeout value."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of seconds: {text!r}") from None
    if not 0.1 <= value <= 300:
        raise argparse.ArgumentTypeError("must be 0.1-300 seconds")
    return value


PROBE_TIMEOUT_HELP = "per-host probe limit (default 3)"


def add_discovery_options(parser: argparse.ArgumentParser, timeout_help: str = PROBE_TIMEOUT_HELP) -> None:
    """--interface, --user, --identity, --timeout, --no-mdns."""
    group = parser.add_argument_group("discovery")
    group.add_argument(
        "--interface",
        metavar="ADDR",
        action="append",
        default=[],
        help="pin mDNS to this local address (repeatable); default: every interface",
    )
    group.add_argument("--user", metavar="USER", help="ssh user for hosts that do not name their own")
    group.add_argument("--identity", metavar="FILE", help="ssh private key for hosts that do not name their own")
    group.add_argument("--timeout", metavar="SEC", type=positive_seconds, help=timeout_help)
    group.add_argument("--no-mdns", action="store_true", help="skip mDNS discovery")


def add_config_option(parser: argparse.ArgumentParser) -> None:
    """--config FILE."""
    parser.add_argument("--config", metavar="FILE", help="config file (default $XDG_CONFIG_HOME/nixswarm/config.toml)")
