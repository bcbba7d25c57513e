"""`nixswarm scan`: discover and probe builders once; a table as results arrive, or one JSON document."""

from __future__ import annotations

import argparse
from typing import Any

from nixswarm.cli.options import add_config_option, add_discovery_options
from nixswarm.cli.output import size, warn

COLUMNS = (
    ("NAME", 16),
    ("ADDRESS", 15),
    ("NIX", 6),
    ("SYSTEMS", 22),
    ("CORES", 5),
    ("LOAD", 5),
    ("MEM FREE", 8),
    ("STORE", 7),
    ("TRUST", 8),
    ("OWNER LIMITS", 16),
    ("STATUS", 0),
)


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the subcommand."""
    parser = sub.add_parser("scan", help="discover and probe builders once", description=__doc__)
    add_discovery_options(parser)
    add_config_option(parser)
    parser.add_argument("--json", action="store_true", help="print one JSON document instead of a table")
    parser.add_argument(
        "--host", metavar="[USER@]ADDR[:PORT]", action="append", default=[], help="also probe this host (repeatable)"
    )
    parser.add_argument("--probe-ssh", action="store_true", help="also probe plain _ssh._tcp servers for Nix")
    parser.add_argument(
        "--mdns-wait", metavar="SEC", type=float, default=1.5, help="how long to listen for mDNS adverts (default 1.5)"
    )
    parser.set_defaults(run=run)


def _row(cells: list[str]) -> str:
    return "  ".join(c.ljust(w) if w else c for c, (_, w) in zip(cells, COLUMNS, strict=True)).rstrip()


def _local_row(local: dict[str, Any]) -> str:
    return _row(
        [
            f"(local) {local['hostname']}"[:16],
            "-",
            local["nix_version"] or "none",
            ",".join(local["systems"][:2]) or "-",
            str(local["cores"]),
            f"{local['load']:.2f}",
            size(local["mem_available_bytes"]),
            size(local["store_free_bytes"]),
            "-",
            "-",
            local["error"] or "ok",
        ]
    )


def _host_row(h: dict[str, Any]) -> str:
    from nixswarm.model.host import limits_text

    status = h["error"] or ("ok" if h["reachable"] else "not probed (plain ssh; --probe-ssh)")
    if h["warnings"]:
        status += "; " + "; ".join(h["warnings"])
    fingerprint = h["fingerprint"]  # SHA256:xxxxxxxx…: the first 8 characters of the hash identify the key shown
    trust = fingerprint[7:15] if h["trust"] == "approved" and fingerprint else h["trust"]
    return _row(
        [
            h["name"][:16],
            h["addresses"][0][:15],
            h["nix_version"] or "-",
            ",".join(h["systems"][:2]) or "-",
            str(h["cores"] or "-"),
            f"{h['load']:.2f}" if h["load"] is not None else "-",
            size(h["mem_available_bytes"]),
            size(h["store_free_bytes"]),
            trust,
            limits_text(h["owner_max_jobs"], h["owner_max_load"]) or "-",
            status,
        ]
    )


def no_builder_hint(hosts: list[dict[str, Any]], *, mdns: bool) -> str | None:
    """What to do next when no host answered as a builder; None when one did."""
    if any(h["reachable"] for h in hosts):
        return None
    found = "no builder answered (each host's error says why)" if hosts else "no builder found"
    add = "nixswarm hosts add NAME USER@ADDR (or nixswarm hosts import FILE for a machines file)"
    if not mdns:
        return f"{found}; with --no-mdns only configured hosts and --host are probed: add one with {add}"
    return f"{found}: run `nixswarm advertise` on a builder so scans find it over mDNS, or add one with {add}"


def _advise(hosts: list[dict[str, Any]], *, table: bool, mdns: bool) -> None:
    """The lines on stderr after the scan: changed and untrusted keys after a table, and, in both forms (--json
    keeps its schema), what to do when no builder answered."""
    if table:
        for name in [h["name"] for h in hosts if h["trust"] == "changed"]:
            warn(f"HOST KEY CHANGED for {name}: it will not be used (nixswarm hosts trust {name} explains)")
        if unknown := [h["name"] for h in hosts if h["trust"] == "unknown" and h["reachable"]]:
            warn(f"not trusted yet: {', '.join(unknown)} (nixswarm hosts trust NAME)")
    if hint := no_builder_hint(hosts, mdns=mdns):
        warn(hint)


def run(args: argparse.Namespace) -> int:
    """Scan and print."""
    import asyncio
    import json
    import time

    from nixswarm.cli import context
    from nixswarm.cli.report import local_dict, report_dict
    from nixswarm.errors import NixswarmError, ValidationError
    from nixswarm.model.host import Host, Source
    from nixswarm.model.hostspec import default_name, parse_host_spec
    from nixswarm.scan.session import Dropped, HostReport, LocalReport, ScanOptions, scan
    from nixswarm.store import paths
    from nixswarm.store.facts_file import load_facts, save_facts
    from nixswarm.store.seen_file import save_seen

    settings = context.settings_for(args)
    state = context.state()
    try:
        extra = []
        for text in args.host:
            spec = parse_host_spec(text)
            extra.append(
                Host(
                    default_name(spec.address),
                    (spec.address,),
                    port=spec.port or 22,
                    user=spec.user,
                    sources=(Source.COMMAND_LINE,),
                )
            )
    except ValidationError as err:
        raise NixswarmError(err.message, title="Invalid --host") from None
    options = ScanOptions(
        mdns=not args.no_mdns,
        mdns_wait=args.mdns_wait,
        interfaces=tuple(args.interface),
        extra_hosts=tuple(extra),
        probe_ssh=args.probe_ssh,
    )
    cache = load_facts(paths.facts_file())
    started = time.monotonic()
    local: dict[str, Any] | None = None
    hosts: dict[str, dict[str, Any]] = {}
    discovered: dict[str, Host] = {}
    printed: dict[str, object] = {}

    async def go() -> None:
        nonlocal local
        if not args.json:
            print(_row([name for name, _ in COLUMNS]), flush=True)
        async for event in scan(settings, state, options, cache):
            if isinstance(event, LocalReport):
                local = local_dict(event.local)
                if not args.json:
                    print(_local_row(local), flush=True)
            elif isinstance(event, HostReport):
                name = event.known.host.name
                first = printed.get(name, event) is not event.outcome  # new, or probed since its last row
                printed[name] = event.outcome
                hosts[name] = report_dict(event)
                if settings.host(name) is None:
                    discovered[name] = event.known.host
                if first and not args.json:
                    print(_host_row(hosts[name]), flush=True)
            elif isinstance(event, Dropped):
                warn(event.reason)

    asyncio.run(go())
    duration = round(time.monotonic() - started, 3)
    save_facts(paths.facts_file(), cache)
    save_seen(paths.seen_file(), discovered.values())
    if args.json:
        print(json.dumps({"local": local, "hosts": list(hosts.values()), "duration_s": duration}, indent=2))
    else:
        print(f"\n{len(hosts)} host(s) in {duration:.2f} s", flush=True)
    _advise(list(hosts.values()), table=not args.json, mdns=not args.no_mdns)
    return 0
