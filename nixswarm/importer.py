"""Turn the entries of an existing machines file into hosts, their choices and pinned keys."""

from __future__ import annotations

from nixswarm.model.choice import Choice
from nixswarm.model.host import Host, Source
from nixswarm.model.hostkey import HostKey
from nixswarm.model.hostspec import default_name
from nixswarm.nix.entry import MachineEntry
from nixswarm.ssh.alias import ALIAS_PREFIX
from nixswarm.store.settings import HostEntry


def hosts_from_machines(entries: list[MachineEntry]) -> list[tuple[HostEntry, HostKey | None]]:
    """One host per entry; the column-8 key counts as approved, since the user pinned it."""
    result: list[tuple[HostEntry, HostKey | None]] = []
    for e in entries:
        name = default_name(e.host.removeprefix(ALIAS_PREFIX))
        host = Host(
            name=name,
            addresses=(e.host,),
            port=e.port or 22,
            user=e.user,
            identity_file=e.ssh_key,
            sources=(Source.MACHINES_FILE,),
            systems=e.systems,
            features=e.supported_features,
            mandatory_features=e.mandatory_features,
        )
        choice = Choice(enabled=True, max_jobs=e.max_jobs, speed_factor=e.speed_factor)
        result.append((HostEntry(host, choice), e.host_key))
    return result
