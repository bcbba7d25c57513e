"""Turn the entries of an existing machines file into hosts, their choices and pinned keys."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from nixswarm.errors import ValidationError
from nixswarm.model import validate
from nixswarm.model.choice import Choice
from nixswarm.model.host import Host, Source
from nixswarm.model.hostkey import HostKey
from nixswarm.model.hostspec import default_name
from nixswarm.nix.entry import MachineEntry
from nixswarm.ssh.alias import ALIAS_PREFIX
from nixswarm.ssh.config_read import AliasTarget
from nixswarm.store.settings import HostEntry

KEPT_PARAMS = ("remote-program", "ssh-key", "base64-ssh-public-host-key")
"""Store URI parameters a host keeps: the program, and the two that say what columns 3 and 8 say."""


@dataclass(frozen=True)
class Imported:
    """What a machines file gave."""

    hosts: list[tuple[HostEntry, HostKey | None]] = field(default_factory=list)
    """One host per entry, with its column-8 key (approved: the user pinned it)."""
    skipped: list[str] = field(default_factory=list)
    """What was left out (an entry, or a store URI parameter of one) and why, one line each."""


def hosts_from_machines(entries: list[MachineEntry], aliases: Mapping[str, AliasTarget] | None = None) -> Imported:
    """One host per entry. A `nixswarm-NAME` host (nixswarm's own machines file) is an ssh alias: its address,
    port, user and key come from the Host block in aliases (read from nixswarm's ssh config); without one it is
    skipped, since the alias means nothing outside that config."""
    result = Imported()
    for e in entries:
        address, port, user, identity = e.host, e.port or 22, e.user, e.ssh_key
        if e.host.startswith(ALIAS_PREFIX):
            target = (aliases or {}).get(e.host)
            if target is None:
                result.skipped.append(f"{e.host}: an alias of nixswarm's ssh config, which has no Host block for it")
                continue
            address, port = target.address, e.port or target.port
            user, identity = user or target.user, identity or target.identity_file
        name = default_name(e.host.removeprefix(ALIAS_PREFIX))
        params = dict(e.params)
        for key in params:
            if key not in KEPT_PARAMS:
                result.skipped.append(f"{name}: store URI parameter {key!r} (nixswarm keeps {', '.join(KEPT_PARAMS)})")
        try:
            program, key_file, host_key = _kept_params(params)
        except ValidationError as err:
            result.skipped.append(f"{name}: {err.message}")
            continue
        host = Host(
            name=name,
            addresses=(address,),
            port=port,
            user=user,
            identity_file=identity or key_file,  # the column wins over the parameter, as in Nix
            sources=(Source.MACHINES_FILE,),
            systems=e.systems,
            features=e.supported_features,
            mandatory_features=e.mandatory_features,
            scheme=e.scheme if program else None,  # the program is the scheme's: nix-daemon or nix-store
            remote_program=program,
        )
        choice = Choice(enabled=True, max_jobs=e.max_jobs, speed_factor=e.speed_factor)
        result.hosts.append((HostEntry(host, choice), e.host_key or host_key))
    return result


def _kept_params(params: Mapping[str, str]) -> tuple[str | None, str | None, HostKey | None]:
    """remote-program, ssh-key and base64-ssh-public-host-key, validated (ValidationError naming the parameter)."""
    program, key_file, host_key = (params.get(k) for k in KEPT_PARAMS)
    if program is not None:
        validate.remote_program(program, "store URI parameter remote-program")
    if key_file is not None:
        validate.abs_path(key_file, "store URI parameter ssh-key")
    try:
        return program, key_file, HostKey.from_column8(host_key) if host_key else None
    except ValidationError as err:
        raise ValidationError("store URI parameter base64-ssh-public-host-key", host_key, err.reason) from None
