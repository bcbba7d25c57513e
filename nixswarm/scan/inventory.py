"""The inventory: configured hosts, command-line hosts and mDNS adverts, one entry per machine."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace

from nixswarm.discovery.merge import merge_two
from nixswarm.discovery.record import Advert
from nixswarm.model.choice import Choice
from nixswarm.model.host import Host, Source
from nixswarm.store.settings import HostEntry


@dataclass(frozen=True)
class Known:
    """One machine and what is known of it before probing."""

    host: Host
    """Where it is, merged over every source."""
    choice: Choice
    """The user's choice; discovered hosts start disabled until chosen."""
    configured: bool
    """The user added it (config) rather than it being only discovered."""
    advertised_fingerprint: str | None = None
    """The fingerprint an advert claimed, checked against what the host presents."""

    @property
    def ssh_only(self) -> bool:
        """Seen only as a plain `_ssh._tcp` server: probe it only when the user asks."""
        return set(self.host.sources) == {Source.MDNS_SSH}


class Inventory:
    """Mutable collection used while a scan runs."""

    def __init__(self, configured: tuple[HostEntry, ...] = ()) -> None:
        self._items: list[Known] = [Known(e.host, e.choice, True) for e in configured]

    def __iter__(self) -> Iterator[Known]:
        return iter(list(self._items))

    def __len__(self) -> int:
        return len(self._items)

    def current(self, known: Known) -> Known:
        """The entry as it is now (later adverts may have merged into it, even renamed it).

        The same name first: two configured hosts may share an address (other users, other ports)."""
        for item in self._items:
            if item.host.name == known.host.name:
                return item
        for item in self._items:
            if set(item.host.addresses) & set(known.host.addresses):
                return item
        return known

    def add_host(self, host: Host, choice: Choice | None = None) -> tuple[Known, bool]:
        """Add a host (from --host); returns the entry and whether it is new."""
        return self._add(Advert(host), choice)

    def add_advert(self, advert: Advert) -> tuple[Known, bool]:
        """Add what mDNS found; returns the entry and whether the machine is new."""
        return self._add(advert, None)

    def _add(self, advert: Advert, choice: Choice | None) -> tuple[Known, bool]:
        for i, known in enumerate(self._items):
            h = known.host
            if h.name == advert.host.name or set(h.addresses) & set(advert.host.addresses):
                merged = merge_two(Advert(h), advert).host
                if known.configured:  # the user's own settings win over anything advertised
                    merged = replace(
                        h,
                        addresses=tuple(dict.fromkeys((*h.addresses, *advert.host.addresses)))[:16],
                        sources=(*h.sources, *advert.host.sources),
                        advertised_key=h.advertised_key or advert.host.advertised_key,
                        systems=h.systems or advert.host.systems,
                        features=h.features or advert.host.features,
                        mandatory_features=h.mandatory_features or advert.host.mandatory_features,
                        max_jobs=h.max_jobs if h.max_jobs is not None else advert.host.max_jobs,
                        max_load=h.max_load if h.max_load is not None else advert.host.max_load,
                    )
                self._items[i] = replace(
                    known, host=merged, advertised_fingerprint=known.advertised_fingerprint or advert.fingerprint
                )
                return self._items[i], False
        new = Known(
            advert.host,
            choice
            or Choice(
                enabled=advert.host.sources == (Source.COMMAND_LINE,),
                max_jobs=advert.max_jobs or 1,
                speed_factor=advert.speed_factor or 1.0,
            ),
            configured=False,
            advertised_fingerprint=advert.fingerprint,
        )
        self._items.append(new)
        return new, True
