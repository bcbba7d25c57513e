"""`nixswarm hosts`: list, add, import, trust, forget, enable and disable builders."""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from nixswarm.cli.options import add_config_option
from nixswarm.cli.output import table
from nixswarm.errors import ConfigError, NixswarmError

if TYPE_CHECKING:
    from nixswarm.model.trust import Consent, KeyCheck
    from nixswarm.ssh.config_read import AliasTarget
    from nixswarm.store.settings import HostEntry, Settings


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the subcommand and its actions."""
    parser = sub.add_parser("hosts", help="manage the inventory of builders", description=__doc__)
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    p = actions.add_parser("list", help="list the configured hosts")
    p.add_argument("--json", action="store_true")
    p = actions.add_parser("add", help="add a host by hand")
    p.add_argument("name")
    p.add_argument("target", metavar="[USER@]ADDR[:PORT]")
    p.add_argument("--identity", metavar="FILE")
    p.add_argument("--max-jobs", type=int, default=1, help="build slots Nix may use on it: column 4 (default 1)")
    p.add_argument("--speed-factor", type=float, default=1.0)
    p.add_argument("--owner-max-jobs", metavar="N", type=int, help="the owner's limit: at most N builds at once")
    p.add_argument(
        "--owner-max-load", metavar="L", type=float, help="the owner's limit: no new work while its load is above L"
    )
    p.add_argument("--systems", default="", help="comma-separated, e.g. x86_64-linux,i686-linux")
    p.add_argument("--features", default="", help="supported features, comma-separated")
    p.add_argument("--mandatory-features", default="")
    p = actions.add_parser("import", help="import the builders of a machines file")
    p.add_argument("file", help="e.g. /etc/nix/machines")
    p = actions.add_parser("trust", help="approve a host's ssh host key")
    p.add_argument("name")
    p.add_argument("--fingerprint", metavar="SHA256:...", help="approve without asking if the key matches")
    p.add_argument("--replace", action="store_true", help="with --fingerprint: replace the key approved before")
    for action, text in (
        ("forget", "remove a host and its approved key"),
        ("enable", "use a host"),
        ("disable", "stop using a host"),
    ):
        p = actions.add_parser(action, help=text)
        p.add_argument("name")
    for p in actions.choices.values():
        add_config_option(p)
        p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Dispatch to the action."""
    from nixswarm.cli import context

    settings = context.settings_for(args)
    action = {
        "list": _list,
        "add": _add,
        "import": _import,
        "trust": _trust,
        "forget": _forget,
        "enable": _enable,
        "disable": _disable,
    }[args.action]
    return action(args, settings)


def _save(args: argparse.Namespace, settings: Settings) -> None:
    """Save the hosts; the defaults stay as the file has them (--user, --identity, --timeout are for this run)."""
    from nixswarm.cli import context
    from nixswarm.store.settings import Settings
    from nixswarm.store.settings_file import load_settings, save_settings

    path = context.config_path(args)
    save_settings(path, Settings(load_settings(path).defaults, settings.hosts))


def _entry(settings: Settings, name: str) -> HostEntry:
    entry = settings.host(name)
    if entry is None:
        import difflib

        close = difflib.get_close_matches(name, [h.host.name for h in settings.hosts], n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        raise NixswarmError(f"no host named {name!r}{hint}", title="Unknown host")
    return entry


def _list(args: argparse.Namespace, settings: Settings) -> int:
    import json

    from nixswarm.cli import context
    from nixswarm.cli.report import host_dict

    state = context.state()
    hosts = [host_dict(h, state) for h in settings.hosts]
    if args.json:
        print(json.dumps(hosts, indent=2))
        return 0
    rows = [
        [
            h["name"],
            h["addresses"][0],
            str(h["port"]),
            h["user"] or "-",
            "yes" if h["enabled"] else "no",
            str(h["max_jobs"]),
            f"{h['speed_factor']:g}",
            h["fingerprint"] or h["trust"],
        ]
        for h in hosts
    ]
    print(table(["NAME", "ADDRESS", "PORT", "USER", "ENABLED", "JOBS", "SPEED", "KEY"], rows))
    return 0


def _add(args: argparse.Namespace, settings: Settings) -> int:
    from nixswarm.errors import ValidationError
    from nixswarm.model import Choice, Host, Source
    from nixswarm.model.hostspec import parse_host_spec

    if settings.host(args.name) is not None:
        raise NixswarmError(f"a host named {args.name!r} exists; forget it first", title="Duplicate host")
    try:
        spec = parse_host_spec(args.target)
        host = Host(
            name=args.name,
            addresses=(spec.address,),
            port=spec.port or 22,
            user=spec.user,
            identity_file=str(Path(args.identity).absolute()) if args.identity else None,
            sources=(Source.CONFIG,),
            systems=tuple(s for s in args.systems.split(",") if s),
            features=tuple(s for s in args.features.split(",") if s),
            mandatory_features=tuple(s for s in args.mandatory_features.split(",") if s),
            max_jobs=args.owner_max_jobs,
            max_load=args.owner_max_load,
        )
        choice = Choice(max_jobs=args.max_jobs, speed_factor=args.speed_factor)
    except ValidationError as err:
        raise NixswarmError(err.message, title="Invalid host") from None
    from nixswarm.store.settings import HostEntry

    _save(args, settings.with_host(HostEntry(host, choice)))
    print(f"added {host.name} ({host.address}); approve its key with: nixswarm hosts trust {host.name}")
    return 0


def _import(args: argparse.Namespace, settings: Settings) -> int:
    import asyncio

    from nixswarm.cli import context
    from nixswarm.files.importer import hosts_from_machines
    from nixswarm.nix.local_nix import local_nix_facts
    from nixswarm.nix.machines_parse import parse_machines, read_text_file
    from nixswarm.store import paths
    from nixswarm.store.state import save_state

    path = str(Path(args.file).absolute())
    try:
        text = read_text_file(path)
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: not UTF-8 text") from None
    except OSError as err:
        raise ConfigError(f"{path}: cannot read it ({err.strerror})") from None
    if text is None:
        raise ConfigError(f"{path}: no such file")
    try:
        nix = asyncio.run(local_nix_facts()).version
    except RuntimeError:
        from nixswarm.model.nixversion import NIX_2_8

        nix = NIX_2_8
    entries = parse_machines(text, path, nix=nix).raise_for_problems()
    imported = hosts_from_machines(entries, _own_aliases())
    for reason in imported.skipped:
        print(f"skipped {reason}", file=sys.stderr)
    state = context.state()
    for entry, key in imported.hosts:
        if settings.host(entry.host.name) is not None:
            print(f"skipped {entry.host.name}: already configured", file=sys.stderr)
            continue
        settings = settings.with_host(entry)
        if key is not None:
            state = state.approve(entry.host.name, key)
    _save(args, settings)
    save_state(paths.state_file(), state)
    print(f"imported {len(imported.hosts)} host(s) from {path}")
    return 0


def _own_aliases() -> dict[str, AliasTarget]:
    """The aliases of nixswarm's ssh configs (the user's, then `write --system`'s), to import its machines files."""
    from nixswarm.files.system_files import system_targets
    from nixswarm.ssh.config_read import read_aliases_file
    from nixswarm.store import paths

    return read_aliases_file(system_targets().ssh_config) | read_aliases_file(paths.ssh_config_file())


def _trust(args: argparse.Namespace, settings: Settings) -> int:
    import asyncio

    from nixswarm.cli import context
    from nixswarm.model.trust import KeyCheck, TrustState
    from nixswarm.probe.hostkey_fetch import fetch_host_key
    from nixswarm.store import paths
    from nixswarm.store.state import save_state

    entry = settings.host(args.name) or _seen_entry(args.name) or _entry(settings, args.name)
    host = entry.host
    state = context.state()
    key = asyncio.run(fetch_host_key(host.address, host.port, settings.defaults.timeout))
    advertised = host.advertised_key.fingerprint if host.advertised_key is not None else None
    check = KeyCheck(host.name, f"{host.address}:{host.port}", key, state.approved_key(host.name), advertised)
    print(f"{host.name} ({check.where}) presents {key.algorithm} key {key.fingerprint}")
    if check.state is TrustState.APPROVED:
        print("already approved")
        return 0
    if check.advert_differs:
        print(f"WARNING: it advertised a different key, {advertised}", file=sys.stderr)
    if args.fingerprint is not None and args.fingerprint != key.fingerprint:
        raise NixswarmError(
            f"fingerprint mismatch: expected {args.fingerprint}, host has {key.fingerprint}",
            title="Host key mismatch",
        )
    if not check.approves(_consent(args, check)):
        raise _refusal(check)
    save_state(paths.state_file(), state.approve(host.name, key))
    if settings.host(host.name) is None:
        _save(args, settings.with_host(entry))
    replaced = f" (replacing {check.approved.fingerprint})" if check.approved is not None else ""
    print(f"approved {key.fingerprint} for {host.name}{replaced}")
    return 0


def _consent(args: argparse.Namespace, check: KeyCheck) -> Consent | None:
    """--fingerprint naming the key (with --replace: the named confirmation a changed key needs), else a y at the
    prompt; a changed key is never approved at a prompt."""
    from nixswarm.model.trust import Consent, TrustState

    if args.fingerprint is not None:  # it names the presented key (checked before)
        return Consent.REPLACE if args.replace else Consent.APPROVE
    if check.state is TrustState.CHANGED or not sys.stdin.isatty():
        return None
    return Consent.APPROVE if input("Approve this key? [y/N] ").strip().lower() in ("y", "yes") else None


def _refusal(check: KeyCheck) -> NixswarmError:
    """Why the key was not approved, and the command that approves it."""
    if check.approved is None:
        return NixswarmError("not approved (pass --fingerprint to approve non-interactively)", title="Not trusted")
    new = check.presented.fingerprint
    return NixswarmError(
        f"HOST KEY CHANGED for {check.name}: approved {check.approved.fingerprint}, now {new}. This can be a "
        "reinstall or an attack; nixswarm will not use the host. If you checked on the host that the new key is "
        f"right, replace the approved one: nixswarm hosts trust {check.name} --fingerprint {new} --replace",
        title="Host key changed",
    )


def _seen_entry(name: str) -> HostEntry | None:
    """A host an earlier scan discovered but the config does not hold yet."""
    from nixswarm.store import paths
    from nixswarm.store.seen_file import load_seen
    from nixswarm.store.settings import HostEntry

    host = load_seen(paths.seen_file()).get(name)
    return HostEntry(host) if host is not None else None


def _forget(args: argparse.Namespace, settings: Settings) -> int:
    from nixswarm.cli import context
    from nixswarm.store import paths
    from nixswarm.store.state import save_state

    _entry(settings, args.name)
    _save(args, settings.without_host(args.name))
    save_state(paths.state_file(), context.state().forget(args.name))
    print(f"forgot {args.name}")
    return 0


def _enable(args: argparse.Namespace, settings: Settings) -> int:
    _set_enabled(args, settings, enabled=True)
    print(f"{args.name} enabled")
    return 0


def _disable(args: argparse.Namespace, settings: Settings) -> int:
    _set_enabled(args, settings, enabled=False)
    print(f"{args.name} disabled")
    return 0


def _set_enabled(args: argparse.Namespace, settings: Settings, *, enabled: bool) -> None:
    entry = _entry(settings, args.name)
    _save(args, settings.with_host(replace(entry, choice=replace(entry.choice, enabled=enabled))))
