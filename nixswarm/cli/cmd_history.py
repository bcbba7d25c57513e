"""`nixswarm history`: how long each derivation took on each host, and each host's throughput."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from dataclasses import asdict
from typing import TYPE_CHECKING, Any

from nixswarm.cli.options import add_config_option

if TYPE_CHECKING:
    from nixswarm.history.queries import DrvStats, HostStats

DESCRIPTION = """What nixswarm recorded of past builds ($XDG_STATE_HOME/nixswarm/history.sqlite): for each
derivation name and host the runs, the median and last seconds of its successful builds, its failures, and the
NAR size of its latest successful build's outputs (when Nix reported it).
NAME keeps the names that contain it. --hosts: each host's derivations per hour of build time and failure rate."""

MIB = 1024 * 1024
"""The table shows NAR sizes in MiB (--json in bytes)."""
DRV_HEADERS = ("name", "host", "runs", "median s", "last s", "failures", "NAR MiB")
HOST_HEADERS = ("host", "runs", "built", "failed", "build s", "per hour", "failure rate")


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the subcommand."""
    parser = sub.add_parser("history", help="how long derivations took, per host", description=DESCRIPTION)
    parser.add_argument("name", nargs="?", metavar="NAME", help="only derivation names that contain NAME")
    parser.add_argument("--json", action="store_true", help="JSON instead of the table")
    parser.add_argument("--hosts", action="store_true", help="per host: throughput and failure rate")
    add_config_option(parser)
    parser.set_defaults(run=run)


def _number(value: float | None, form: str = ".1f") -> str:
    return "-" if value is None else format(value, form)


def _mib(size: int | None) -> str:
    return _number(None if size is None else size / MIB, ".2f")


def drv_rows(stats: Sequence[DrvStats]) -> list[tuple[str, ...]]:
    """The table's rows."""
    return [
        (s.name, s.host_name, str(s.runs), _number(s.median), _number(s.last), str(s.failures), _mib(s.nar_size))
        for s in stats
    ]


def drv_json(stats: Sequence[DrvStats]) -> list[dict[str, Any]]:
    """--json's derivations: every field of DrvStats (median and last in seconds, nar_size in bytes)."""
    return [asdict(s) for s in stats]


def host_rows(stats: Sequence[HostStats]) -> list[tuple[str, ...]]:
    """The --hosts table's rows."""
    return [
        (
            h.host_name,
            str(h.runs),
            str(h.built),
            str(h.failed),
            _number(h.build_seconds),
            _number(h.per_hour),
            _number(h.failure_rate, ".1%"),
        )
        for h in stats
    ]


def host_json(stats: Sequence[HostStats]) -> list[dict[str, Any]]:
    """--json --hosts's hosts: every field of HostStats, with per_hour and failure_rate."""
    return [{**asdict(h), "per_hour": h.per_hour, "failure_rate": h.failure_rate} for h in stats]


def run(args: argparse.Namespace) -> int:
    """Print the table (or JSON); an empty history prints the header alone (or an empty list)."""
    import json

    from nixswarm.cli.output import table, warn
    from nixswarm.history.database import read_history
    from nixswarm.history.queries import drv_stats, host_stats
    from nixswarm.store import paths

    path = paths.history_file()
    if args.hosts:
        found_hosts, warning = read_history(path, host_stats)
        hosts = found_hosts or []
        text = json.dumps({"hosts": host_json(hosts)}, indent=2) if args.json else table(HOST_HEADERS, host_rows(hosts))
    else:
        found_drvs, warning = read_history(path, lambda db: drv_stats(db, args.name))
        drvs = found_drvs or []
        text = (
            json.dumps({"derivations": drv_json(drvs)}, indent=2) if args.json else table(DRV_HEADERS, drv_rows(drvs))
        )
    if warning:
        warn(warning)
    print(text)
    return 0
