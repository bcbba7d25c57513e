"""Turn the entries of an existing machines file into hosts, their choices and pinned keys."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from nixswarm.model.choice import Choice
from nixswarm.model.host import Host, Source
from nixswarm.model.hostkey import HostKey
from nixswarm.model.hostspec import default_name
from nixswarm.nix.entry import MachineEntry
from nixswarm.ssh.alias import ALIAS_PREFIX
from nixswarm.ssh.config_read import AliasTarget
from nixswarm.store.settings import HostEntry


@dataclass(frozen=True)
class Imported:
    """What a machines file gave."""

    hosts: list[tuple[HostEntry, HostKey | None]] = field(default_factory=list)
    """One host per entry, with its column-8 key (approved: the user pinned it)."""
    skipped: list[str] = field(default_factory=list)
    """Why an entry was left out, one line each."""


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
        host = Host(
            name=default_name(e.host.removeprefix(ALIAS_PREFIX)),
            addresses=(address,),
            port=port,
            user=user,
            identity_file=identity,
            sources=(Source.MACHINES_FILE,),
            systems=e.systems,
            features=e.supported_features,
            mandatory_features=e.mandatory_features,
        )
        choice = Choice(enabled=True, max_jobs=e.max_jobs, speed_factor=e.speed_factor)
        result.hosts.append((HostEntry(host, choice), e.host_key))
    return result
