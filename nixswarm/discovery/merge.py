"""One machine seen through several services, interfaces or address families is one host."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

from nixswarm.discovery.record import Advert
from nixswarm.model.host import Host, Source

_RANK = {Source.MDNS: 0, Source.MDNS_BEACON: 1, Source.MDNS_SSH: 2}


def _rank(advert: Advert) -> int:
    return min((_RANK.get(s, 3) for s in advert.host.sources), default=3)


def _same(a: Host, b: Host) -> bool:
    return a.name == b.name or bool(set(a.addresses) & set(b.addresses))


def _ordered(addresses: Iterable[str]) -> tuple[str, ...]:
    unique = list(dict.fromkeys(addresses))
    return tuple(sorted(unique, key=lambda a: (":" in a, unique.index(a))))


def merge_two(a: Advert, b: Advert) -> Advert:
    """Combine two adverts of one machine; the richer service (nixswarm, then beacon, then ssh) wins fields."""
    best, other = (a, b) if _rank(a) <= _rank(b) else (b, a)
    host = replace(
        best.host,
        addresses=_ordered((*best.host.addresses, *other.host.addresses))[:16],
        sources=(*best.host.sources, *other.host.sources),
        advertised_key=best.host.advertised_key or other.host.advertised_key,
        user=best.host.user or other.host.user,
        systems=best.host.systems or other.host.systems,
        features=best.host.features or other.host.features,
        mandatory_features=best.host.mandatory_features or other.host.mandatory_features,
        max_jobs=best.host.max_jobs if best.host.max_jobs is not None else other.host.max_jobs,
        max_load=best.host.max_load if best.host.max_load is not None else other.host.max_load,
    )
    return Advert(
        host,
        speed_factor=best.speed_factor if best.speed_factor is not None else other.speed_factor,
        fingerprint=best.fingerprint or other.fingerprint,
    )


def merge_adverts(adverts: Iterable[Advert]) -> list[Advert]:
    """Fold adverts into one per machine, in first-seen order."""
    merged: list[Advert] = []
    for advert in adverts:
        for i, known in enumerate(merged):
            if _same(known.host, advert.host):
                merged[i] = merge_two(known, advert)
                break
        else:
            merged.append(advert)
    return merged
