"""Resolve the user's saved selection into the builders Nix will be given."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from nixswarm.model.hostkey import HostKey
from nixswarm.nix.entry import MachineEntry
from nixswarm.ssh.alias import alias_for
from nixswarm.store.settings import Defaults, HostEntry, Settings
from nixswarm.store.state import State

if TYPE_CHECKING:
    from nixswarm.model.facts_cache import FactsCache


@dataclass(frozen=True)
class Selected:
    """A host that will be offered to Nix, with its approved key."""

    entry: HostEntry
    """The host and the user's choices."""
    key: HostKey
    """The approved host key, pinned in column 8."""


@dataclass(frozen=True)
class Skipped:
    """A host left out, and why."""

    name: str
    """The host's name."""
    reason: str
    """Why it is left out, in words the user can act on."""


def resolve(
    settings: Settings,
    state: State,
    *,
    only: Iterable[str] = (),
    exclude: Iterable[str] = (),
    facts: FactsCache | None = None,
) -> tuple[list[Selected], list[Skipped]]:
    """Enabled hosts with an approved key; `only` and `exclude` narrow it further. With facts, a host's unknown
    systems and features come from the last probe of its approved key."""
    only_set, exclude_set = set(only), set(exclude)
    known = {h.host.name for h in settings.hosts}
    skipped = [Skipped(n, "no such host in the config") for n in sorted((only_set | exclude_set) - known)]
    selected: list[Selected] = []
    for entry in settings.hosts:
        name = entry.host.name
        if (only_set and name not in only_set) or name in exclude_set:
            continue
        if not entry.choice.enabled and name not in only_set:
            skipped.append(Skipped(name, "disabled (nixswarm hosts enable NAME)"))
            continue
        key = state.approved_key(name)
        if key is None:
            skipped.append(Skipped(name, "host key not approved yet (nixswarm hosts trust NAME)"))
            continue
        chosen = Selected(entry, key)
        selected.append(with_probed_facts(chosen, facts) if facts is not None else chosen)
    return selected, skipped


def with_probed_facts(selected: Selected, cache: FactsCache) -> Selected:
    """Fill a host's unknown systems and features from the last probe of its approved key."""
    host = selected.entry.host
    facts = cache.get(selected.key)
    if facts is None or (host.systems and host.features):
        return selected
    filled = replace(host, systems=host.systems or facts.nix.systems, features=host.features or facts.nix.features)
    return replace(selected, entry=HostEntry(filled, selected.entry.choice))


def machine_entry(
    selected: Selected, defaults: Defaults, *, via_alias: bool = True, key_file: bool | None = None
) -> MachineEntry:
    """The machines line of a host: through its ssh alias, or self-contained when ssh reads no config of ours.

    key_file: whether column 3 names the identity file (default: only without the alias, whose Host block does).
    Column 4 is the user's slots, at most the owner's max_jobs.
    """
    host, choice = selected.entry.host, selected.entry.choice
    user = host.user or defaults.user
    key = host.identity_file or defaults.identity
    return MachineEntry(
        host=alias_for(host.name) if via_alias else host.address,
        scheme=host.scheme or defaults.scheme,
        user=None if via_alias else user,
        port=None if via_alias or host.port == 22 else host.port,
        params=(("remote-program", host.remote_program),) if host.remote_program else (),
        systems=host.systems,
        ssh_key=key if (not via_alias if key_file is None else key_file) else None,
        max_jobs=selected.entry.max_jobs,
        speed_factor=choice.speed_factor,
        supported_features=host.features,
        mandatory_features=host.mandatory_features,
        host_key=selected.key,
    )
