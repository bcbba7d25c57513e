"""Persist the probe facts cache (per host key fingerprint) between runs."""

from __future__ import annotations

import json
from pathlib import Path

from nixswarm.errors import ValidationError
from nixswarm.model.facts import NixFacts
from nixswarm.model.facts_cache import CachedFacts, FactsCache
from nixswarm.model.nixversion import NixVersion
from nixswarm.store.atomic import atomic_write

MAX_ENTRIES = 1024


def load_facts(path: Path) -> FactsCache:
    """The cache; an unreadable file is ignored (it is only a cache) and replaced on the next save."""
    try:
        data = json.loads(path.read_bytes().decode("utf-8"))
        entries = {}
        for fingerprint, item in list(data.get("facts", {}).items())[:MAX_ENTRIES]:
            nix = NixFacts(
                version=NixVersion.parse(item["version"]),
                systems=tuple(item["systems"]),
                features=tuple(item["features"]),
                max_jobs=item["max_jobs"],
                cores=item["cores"],
            )
            entries[str(fingerprint)] = CachedFacts(nix, bool(item["nix_store"]), bool(item["nix_daemon"]))
        return FactsCache(entries)
    except (OSError, ValueError, KeyError, TypeError, AttributeError, ValidationError):
        return FactsCache()


def save_facts(path: Path, cache: FactsCache) -> None:
    """Write the cache atomically."""
    facts = {
        fp: {
            "version": str(f.nix.version),
            "systems": list(f.nix.systems),
            "features": list(f.nix.features),
            "max_jobs": f.nix.max_jobs,
            "cores": f.nix.cores,
            "nix_store": f.has_nix_store,
            "nix_daemon": f.has_nix_daemon,
        }
        for fp, f in cache.items()[-MAX_ENTRIES:]
    }
    atomic_write(path, json.dumps({"version": 1, "facts": facts}, sort_keys=True) + "\n")
