"""What every screen of one app shares: the config, the core's seams, the scan options, cache and connections."""

from __future__ import annotations

from dataclasses import dataclass

from nixswarm.model.facts_cache import FactsCache
from nixswarm.probe.pool import ConnectionPool
from nixswarm.scan.session import ScanOptions
from nixswarm.store.config import Config
from nixswarm.tui.services import Services


@dataclass
class AppContext:
    """Handed to each screen when it is made."""

    config: Config
    """Settings and approved keys."""
    services: Services
    """Scan, probe, fetch a key, build."""
    options: ScanOptions
    """From the command line."""
    cache: FactsCache
    """Nix facts per host key, shared by scans and refreshes."""
    pool: ConnectionPool
    """Connections kept for load refreshes."""
    refresh_interval: float | None = 2.0
    """Seconds between load refreshes; None for none (tests, benchmarks)."""
