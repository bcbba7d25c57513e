"""Facts that rarely change, remembered per host key so a refresh reads only load, memory and space."""

from __future__ import annotations

from dataclasses import dataclass

from nixswarm.model.facts import NixFacts
from nixswarm.model.hostkey import HostKey


@dataclass(frozen=True)
class CachedFacts:
    """The slow part of a full probe."""

    nix: NixFacts
    """Version, systems, features."""
    has_nix_store: bool
    """nix-store on the non-interactive PATH."""
    has_nix_daemon: bool
    """nix-daemon on the non-interactive PATH."""


class FactsCache:
    """In-memory map from host key fingerprint to facts (a new key means a new machine: probe in full)."""

    def __init__(self, entries: dict[str, CachedFacts] | None = None) -> None:
        self._entries: dict[str, CachedFacts] = dict(entries or {})

    def get(self, key: HostKey) -> CachedFacts | None:
        """The facts of the machine holding this key."""
        return self._entries.get(key.fingerprint)

    def put(self, key: HostKey, facts: CachedFacts) -> None:
        """Remember facts for this key."""
        self._entries[key.fingerprint] = facts

    def items(self) -> list[tuple[str, CachedFacts]]:
        """(fingerprint, facts) pairs, for saving."""
        return list(self._entries.items())
