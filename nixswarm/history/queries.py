"""What the history says: per derivation and host, per host, and a host's latest builds."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass


@dataclass(frozen=True)
class DrvStats:
    """One derivation name on one host."""

    name: str
    """The derivation's name without hash."""
    host_key: str
    """The host key's fingerprint, or "local"."""
    host_name: str
    """The host's name in its latest run."""
    runs: int
    """Every recorded run (built, failed, stopped)."""
    median: float | None
    """Median seconds of the successful builds; None without one."""
    last: float | None
    """Seconds of the latest successful build; None without one."""
    failures: int
    """Runs that failed."""
    nar_size: int | None
    """NAR size in bytes of the outputs of its latest successful build whose size Nix reported; None without one."""


@dataclass(frozen=True)
class HostStats:
    """One host over the whole history."""

    host_key: str
    """The host key's fingerprint, or "local"."""
    host_name: str
    """The host's name in its latest run."""
    runs: int
    """Every recorded run."""
    built: int
    """Successful builds."""
    failed: int
    """Failed builds."""
    build_seconds: float
    """Time spent in all its runs."""

    @property
    def per_hour(self) -> float | None:
        """Derivations built per hour of build time (None before any time was spent)."""
        return self.built * 3600 / self.build_seconds if self.build_seconds > 0 else None

    @property
    def failure_rate(self) -> float | None:
        """Failed / (built + failed); None before either."""
        ended = self.built + self.failed
        return self.failed / ended if ended else None


@dataclass(frozen=True)
class RecentRun:
    """One of a host's latest runs."""

    name: str
    """The derivation's name without hash."""
    system: str
    """Its system."""
    outcome: str
    """built, failed or stopped."""
    seconds: float
    """How long it ran."""
    started: float
    """Unix time its build started."""


_DRV_STATS = """
SELECT names.name, hosts.key, hosts.name, s.runs, s.median, s.last, s.failures, s.nar_size
FROM stats AS s JOIN names ON names.id = s.name_id JOIN hosts ON hosts.id = s.host_id {where}
ORDER BY names.name, hosts.name
"""


def drv_stats(db: sqlite3.Connection, name: str | None = None) -> list[DrvStats]:
    """Per derivation name and host, by name then host; with name, only names that contain it."""
    where = "WHERE instr(names.name, :name) > 0" if name else ""
    rows = db.execute(_DRV_STATS.format(where=where), {"name": name}).fetchall()
    return [DrvStats(*row) for row in rows]


_HOST_STATS = """
SELECT hosts.key, hosts.name, SUM(s.runs), SUM(s.built), SUM(s.failures), SUM(s.seconds)
FROM stats AS s JOIN hosts ON hosts.id = s.host_id
GROUP BY s.host_id ORDER BY hosts.name
"""


def host_stats(db: sqlite3.Connection) -> list[HostStats]:
    """Per host, by name."""
    return [HostStats(*row) for row in db.execute(_HOST_STATS)]


def recent_runs(db: sqlite3.Connection, per_host: int) -> dict[str, tuple[RecentRun, ...]]:
    """Each host key's latest runs, newest first."""
    found: dict[str, tuple[RecentRun, ...]] = {}
    for host_id, key in db.execute("SELECT id, key FROM hosts").fetchall():
        rows = db.execute(
            "SELECT names.name, system, outcome, seconds, started FROM runs JOIN names ON names.id = runs.name_id"
            " WHERE host_id = ? ORDER BY runs.id DESC LIMIT ?",
            (host_id, per_host),
        ).fetchall()
        if rows:
            found[key] = tuple(RecentRun(*row) for row in rows)
    return found
