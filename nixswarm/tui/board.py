"""What the host table shows: every host as the last scan and load refresh left it, local machine first."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace

from nixswarm.build.reach import ProbeVerdict
from nixswarm.model.choice import Choice
from nixswarm.model.hostkey import HostKey
from nixswarm.model.local import LocalMachine
from nixswarm.model.probe import FailureKind, ProbeFailure, ProbeResult
from nixswarm.model.trust import TrustState, trust_state
from nixswarm.model.validate import LOCAL
from nixswarm.scan.inventory import Known
from nixswarm.scan.session import Dropped, Event, Found, HostReport, LocalReport
from nixswarm.store.settings import HostEntry, Settings
from nixswarm.store.state import State

HISTORY = 60
"""Load samples kept per host."""


@dataclass(frozen=True)
class HostRow:
    """One remote host."""

    known: Known
    """The host and the user's choice for it."""
    trust: TrustState
    """Its presented key against the approved one."""
    result: ProbeResult | None = None
    """The facts of its last successful probe."""
    failure: ProbeFailure | None = None
    """Why its last probe or refresh failed (None once one succeeds)."""
    probed: bool = False
    """A probe has answered (or it was left unprobed as a plain ssh server)."""
    warnings: tuple[str, ...] = ()
    """What the scan found odd, e.g. an advertised fingerprint that differs."""
    loads: tuple[float, ...] = ()
    """1-minute load averages, oldest first."""
    failed_at: float | None = None
    """time.monotonic() when failure came (None if not known)."""

    @property
    def name(self) -> str:
        """The host's name, also its row key."""
        return self.known.host.name

    @property
    def presented(self) -> HostKey | None:
        """The key the host presented last."""
        if self.result is not None and self.result.host_key is not None:
            return self.result.host_key
        return self.failure.host_key if self.failure is not None else None

    @property
    def advertised(self) -> str | None:
        """The fingerprint mDNS or the config claimed for it."""
        key = self.known.host.advertised_key
        return self.known.advertised_fingerprint or (key.fingerprint if key else None)

    @property
    def entry(self) -> HostEntry:
        """The host as the config would hold it."""
        return HostEntry(self.known.host, self.known.choice)


@dataclass(frozen=True)
class LocalRow:
    """The local machine."""

    local: LocalMachine
    """Its last probe."""
    loads: tuple[float, ...]
    """1-minute load averages, oldest first."""


def _loads(loads: tuple[float, ...], load: float) -> tuple[float, ...]:
    return (*loads, load)[-HISTORY:]


class Board:
    """The rows by key, in the order they first appeared; folds scan events and load refreshes."""

    def __init__(self) -> None:
        self.local: LocalRow | None = None
        self._rows: dict[str, HostRow] = {}

    def rows(self) -> list[HostRow]:
        """Every remote host, in order."""
        return list(self._rows.values())

    def row(self, name: str) -> HostRow | None:
        """The row of the host named name."""
        return self._rows.get(name)

    def __len__(self) -> int:
        return len(self._rows)

    def expect(self, entries: Iterable[HostEntry], state: State) -> None:
        """Rows for the configured hosts before any probe answers."""
        for entry in entries:
            name = entry.host.name
            if name not in self._rows:
                trust = trust_state(state.approved_key(name), None)
                self._rows[name] = HostRow(Known(entry.host, entry.choice, True), trust)

    def apply(self, event: Event, settings: Settings, state: State, at: float | None = None) -> str | None:
        """Fold one scan event in, which came at time.monotonic() at; the key of the row it changed (None for a
        dropped advert)."""
        if isinstance(event, Dropped):
            return None
        if isinstance(event, LocalReport):
            loads = self.local.loads if self.local else ()
            self.local = LocalRow(event.local, _loads(loads, event.local.load))
            return LOCAL
        if isinstance(event, Found):
            name = event.known.host.name
            if name in self._rows:
                return None
            self._rows[name] = HostRow(event.known, trust_state(state.approved_key(name), None))  # "probing…"
            return name
        return self._report(event, settings, state, at)

    def _report(self, report: HostReport, settings: Settings, state: State, at: float | None) -> str:
        known = report.known
        entry = settings.host(known.host.name)
        if entry is not None:  # the user's choice now, not the one the scan started with
            known = replace(known, choice=entry.choice, configured=True)
        old = self._rows.get(known.host.name)
        row = HostRow(known, report.trust, warnings=report.warnings, loads=old.loads if old else ())
        outcome = report.outcome
        if isinstance(outcome, ProbeResult):
            row = replace(row, result=outcome, probed=True, loads=_loads(row.loads, outcome.load))
        elif isinstance(outcome, ProbeFailure):
            row = replace(row, result=None, failure=outcome, probed=True, failed_at=at)
        else:
            row = replace(row, probed=True)
        self._rows[row.name] = self._trusted(row, state)
        return row.name

    def _trusted(self, row: HostRow, state: State) -> HostRow:
        return replace(row, trust=trust_state(state.approved_key(row.name), row.presented))

    def refreshed(
        self, name: str, outcome: ProbeResult | ProbeFailure, state: State, at: float | None = None
    ) -> HostRow | None:
        """A load refresh (or a new probe) of one host answered, at time.monotonic() at."""
        row = self._rows.get(name)
        if row is None:
            return None
        if isinstance(outcome, ProbeResult):
            row = replace(row, result=outcome, failure=None, probed=True, loads=_loads(row.loads, outcome.load))
        else:
            row = replace(row, failure=outcome, probed=True, failed_at=at)
        row = self._rows[name] = self._trusted(row, state)
        return row

    def recent_probes(self) -> dict[str, ProbeVerdict]:
        """Each host's last failed probe and when, for a build to reuse (a changed key only while it is still
        unapproved)."""
        return {
            r.name: ProbeVerdict(r.failed_at, r.failure)
            for r in self._rows.values()
            if r.failure is not None
            and r.failed_at is not None
            and (r.failure.kind is not FailureKind.HOST_KEY_CHANGED or r.trust is TrustState.CHANGED)
        }

    def local_load(self, load: float) -> LocalRow | None:
        """A new load reading of the local machine."""
        if self.local is None:
            return None
        self.local = LocalRow(replace(self.local.local, load=load), _loads(self.local.loads, load))
        return self.local

    def chose(self, name: str, choice: Choice) -> HostRow | None:
        """The user changed a host's choice (which puts it in the config)."""
        row = self._rows.get(name)
        if row is None:
            return None
        row = self._rows[name] = replace(row, known=replace(row.known, choice=choice, configured=True))
        return row

    def retrust(self, state: State) -> list[str]:
        """Judge every row against the approved keys again; the names whose trust changed."""
        changed = []
        for name, row in self._rows.items():
            new = self._trusted(row, state)
            if new.trust is not row.trust:
                self._rows[name] = new
                changed.append(name)
        return changed

    def rescanning(self) -> None:
        """A new scan starts: every host waits for its probe again."""
        self._rows = {name: replace(row, probed=False) for name, row in self._rows.items()}
