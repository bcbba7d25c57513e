"""The machine nixswarm runs on."""

from __future__ import annotations

from dataclasses import dataclass

from nixswarm.model.facts import NixFacts


@dataclass(frozen=True)
class LocalMachine:
    """The local machine, probed with psutil and its own Nix."""

    hostname: str
    """Its host name, for display only."""
    cores: int
    """Online CPUs."""
    load: float
    """1-minute load average."""
    mem_total_bytes: int
    """Physical memory."""
    mem_available_bytes: int
    """Memory available without swapping."""
    store_free_bytes: int | None
    """Free space where /nix/store lives (None when there is no store)."""
    nix: NixFacts | None
    """Its Nix, or None when Nix is missing or broken."""
    nix_error: str | None = None
    """Why nix is None."""
