"""Remember the hosts that scans discovered, so they can be trusted and used by name later."""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from nixswarm.errors import ValidationError
from nixswarm.model.host import Host, Source
from nixswarm.model.hostkey import HostKey
from nixswarm.store.atomic import atomic_write

MAX_HOSTS = 1024


def _host(name: str, item: Any) -> Host:
    if not isinstance(item, dict):
        raise TypeError("not an object")
    key = item.get("advertised_key")
    return Host(
        name=name,
        addresses=tuple(item["addresses"]),
        port=item.get("port", 22),
        user=item.get("user"),
        sources=tuple(Source(s) for s in item.get("sources", ())),
        advertised_key=HostKey.parse(key) if key is not None else None,
        systems=tuple(item.get("systems", ())),
        features=tuple(item.get("features", ())),
        mandatory_features=tuple(item.get("mandatory_features", ())),
        max_jobs=item.get("max_jobs"),
        max_load=item.get("max_load"),
    )


def load_seen(path: Path) -> dict[str, Host]:
    """Discovered hosts by name; entries that no longer validate are left out (it is only a memory)."""
    try:
        data = json.loads(path.read_bytes().decode("utf-8"))
        items = list(data.get("hosts", {}).items())[:MAX_HOSTS]
    except (OSError, ValueError, AttributeError):
        return {}
    seen = {}
    for name, item in items:
        try:
            seen[name] = _host(name, item)
        except (KeyError, TypeError, ValueError, ValidationError):
            continue
    return seen


def save_seen(path: Path, hosts: Iterable[Host]) -> None:
    """Merge hosts into the file (newest wins), atomically."""
    seen = load_seen(path)
    for host in hosts:
        seen[host.name] = host
    data = {
        name: {
            "addresses": list(h.addresses),
            "port": h.port,
            "user": h.user,
            "sources": [s.value for s in h.sources],
            "advertised_key": h.advertised_key.line if h.advertised_key else None,
            "systems": list(h.systems),
            "features": list(h.features),
            "mandatory_features": list(h.mandatory_features),
            "max_jobs": h.max_jobs,
            "max_load": h.max_load,
        }
        for name, h in list(seen.items())[-MAX_HOSTS:]
    }
    atomic_write(path, json.dumps({"version": 1, "hosts": data}, indent=2, sort_keys=True) + "\n", mode=0o600)
