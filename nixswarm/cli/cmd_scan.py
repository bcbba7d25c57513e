"""`nixswarm scan`: the local machine and the known builders, as a table or JSON."""

from __future__ import annotations

import argparse
import asyncio
import json
import time

from nixswarm.cli import context
from nixswarm.cli.options import add_config_option, add_discovery_options
from nixswarm.cli.output import size, table


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the subcommand."""
    parser = sub.add_parser("scan", help="discover and probe builders once", description=__doc__)
    add_discovery_options(parser)
    add_config_option(parser)
    parser.add_argument("--json", action="store_true", help="print one JSON document instead of a table")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Probe the local machine, list the configured hosts."""
    from nixswarm.probe.local import probe_local
    from nixswarm.report import host_dict, local_dict

    started = time.monotonic()
    settings = context.settings_for(args)
    state = context.state()
    local = asyncio.run(probe_local(timeout=max(settings.defaults.timeout, 10.0)))
    hosts = [host_dict(h, state) for h in settings.hosts]
    duration = time.monotonic() - started
    if args.json:
        print(json.dumps({"local": local_dict(local), "hosts": hosts, "duration_s": round(duration, 3)}, indent=2))
        return 0
    nix = f"Nix {local.nix.version}, {', '.join(local.nix.systems)}" if local.nix else f"no Nix: {local.nix_error}"
    print(f"local  {local.hostname}: {local.cores} cores, load {local.load:.2f}, "
          f"{size(local.mem_available_bytes)}/{size(local.mem_total_bytes)} free, "
          f"store {size(local.store_free_bytes)} free; {nix}")  # fmt: skip
    if hosts:
        rows = [
            [h["name"], h["addresses"][0], str(h["port"]), h["user"] or "-", "yes" if h["enabled"] else "no",
             ",".join(h["systems"]) or "-", h["trust"]]
            for h in hosts
        ]  # fmt: skip
        print()
        print(table(["NAME", "ADDRESS", "PORT", "USER", "ENABLED", "SYSTEMS", "TRUST"], rows))
    print(f"\nscanned in {duration:.2f} s", flush=True)
    return 0
