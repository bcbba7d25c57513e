"""`nixswarm advertise`: publish this machine as a Nix builder over mDNS until stopped."""

from __future__ import annotations

import argparse
from pathlib import Path

from nixswarm.cli.options import add_config_option


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the subcommand."""
    parser = sub.add_parser("advertise", help="publish this machine as a builder over mDNS", description=__doc__)
    parser.add_argument(
        "--interface",
        metavar="ADDR",
        action="append",
        default=[],
        help="publish only on this local address (repeatable); default: every IPv4 address",
    )
    parser.add_argument("--name", help="host name to publish (default: this machine's host name)")
    parser.add_argument("--user", help="user builders should log in as")
    parser.add_argument("--port", type=int, default=22, help="ssh port (default 22)")
    parser.add_argument(
        "--max-jobs",
        metavar="N",
        type=int,
        help="the owner's limit: at most N builds from others at once (default: the number of cores)",
    )
    parser.add_argument(
        "--max-load",
        metavar="L",
        type=float,
        help="the owner's limit: no new work while the 1-minute load average is above L (default: none)",
    )
    parser.add_argument("--speed-factor", type=float, default=1.0)
    parser.add_argument(
        "--host-key",
        metavar="FILE",
        default="/etc/ssh/ssh_host_ed25519_key.pub",
        help="public host key whose fingerprint is published",
    )
    add_config_option(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Gather the facts, publish, wait."""
    import asyncio
    import os
    import socket

    import psutil

    from nixswarm.cli.output import warn
    from nixswarm.discovery.advert_txt import Publication
    from nixswarm.discovery.publisher import publish
    from nixswarm.errors import ConfigError, NixswarmError, ValidationError
    from nixswarm.model.host import limits_text
    from nixswarm.model.hostkey import HostKey
    from nixswarm.nix.local_nix import local_nix_facts

    try:
        facts = asyncio.run(local_nix_facts())
    except RuntimeError as err:
        raise NixswarmError(f"cannot advertise a builder without Nix: {err}", title="No Nix") from None
    try:
        key = HostKey.parse(Path(args.host_key).read_text(encoding="ascii"))
    except (OSError, UnicodeDecodeError, ValidationError) as err:
        warn(f"publishing no fingerprint: cannot read {args.host_key} ({err})")
        key = None
    addresses = tuple(args.interface) or _ipv4_addresses()
    cores = psutil.cpu_count() or 1
    try:
        pub = Publication(
            name=args.name or socket.gethostname().split(".", 1)[0],
            addresses=addresses,
            port=args.port,
            user=args.user or os.environ.get("USER") or None,
            facts=facts,
            host_key=key,
            max_jobs=cores if args.max_jobs is None else args.max_jobs,
            speed_factor=args.speed_factor,
            cores=cores,
            max_load=args.max_load,
        )
    except ValidationError as err:
        raise ConfigError(err.message) from None
    print(
        f"advertising {pub.name} on {', '.join(pub.addresses)} port {pub.port}"
        f"{' as ' + key.fingerprint if key else ''}; owner's limits: {limits_text(pub.max_jobs, pub.max_load)}; "
        "Ctrl-C to stop",
        flush=True,
    )
    asyncio.run(publish(pub, args.interface, on_registered=lambda: print("registered", flush=True)))
    print("unregistered", flush=True)
    return 0


def _ipv4_addresses() -> tuple[str, ...]:
    import socket

    import psutil

    found = [
        a.address
        for name, addrs in psutil.net_if_addrs().items()
        for a in addrs
        if a.family == socket.AF_INET and not a.address.startswith("127.")
    ]
    return tuple(found)
