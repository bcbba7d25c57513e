"""A recorded inventory and fakes of the core's seams, so the TUI runs with no network, ssh or nix."""

from __future__ import annotations

import asyncio
import base64
import hashlib
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from nixswarm.build.eta import Expected, no_history
from nixswarm.build.prepare import BuildRequest
from nixswarm.errors import ConnectionFailure
from nixswarm.files.selection import Skipped
from nixswarm.model import Choice, FailureKind, Host, HostKey, NixFacts, NixVersion, ProbeFailure, ProbeResult, Source
from nixswarm.model.facts_cache import FactsCache
from nixswarm.model.local import LocalMachine
from nixswarm.model.trust import trust_state
from nixswarm.probe.pool import ConnectionPool
from nixswarm.probe.ssh_target import SshTarget
from nixswarm.scan.inventory import Known
from nixswarm.scan.session import Dropped, Event, HostReport, LocalReport, ScanOptions
from nixswarm.store import paths
from nixswarm.store.settings import Defaults, HostEntry, Overrides, Settings
from nixswarm.store.settings_file import save_settings
from nixswarm.store.state import State, save_state
from nixswarm.tui import BuildListener, NixswarmApp, Services, make_app
from tests.tui.pilot import record_notices

DATA = Path(__file__).parent / "data"
GiB = 1 << 30


def key(seed: str) -> HostKey:
    """A well-formed ed25519 public key, the same for the same seed."""
    raw = hashlib.sha256(seed.encode()).digest()
    blob = b"\x00\x00\x00\x0bssh-ed25519\x00\x00\x00\x20" + raw
    return HostKey("ssh-ed25519", base64.b64encode(blob).decode())


KEY_ALPHA = key("alpha")
KEY_BRAVO = key("bravo")
KEY_CHARLIE_OLD = key("charlie-old")
KEY_CHARLIE_NEW = key("charlie-new")
KEY_DELTA = key("delta")

ALPHA = Host("alpha", ("10.0.0.11",), user="builder")
BRAVO = Host("bravo", ("10.0.0.12",), sources=(Source.MDNS,))
CHARLIE = Host("charlie", ("10.0.0.13",), port=2222)
DELTA = Host("delta", ("10.0.0.14",))
CONFIGURED = (
    HostEntry(ALPHA, Choice(enabled=True, max_jobs=8, speed_factor=2.0)),
    HostEntry(CHARLIE, Choice(enabled=True, max_jobs=4)),
    HostEntry(DELTA, Choice(enabled=False, max_jobs=2)),
)
BRAVO_CHOICE = Choice(enabled=False, max_jobs=2)
"""What bravo's mDNS advert offered."""
APPROVED = State().approve("alpha", KEY_ALPHA).approve("charlie", KEY_CHARLIE_OLD).approve("delta", KEY_DELTA)


def nix(*systems: str) -> NixFacts:
    return NixFacts(NixVersion(2, 18, 1), systems, ("big-parallel", "kvm"), max_jobs=4)


def result(key: HostKey, load: float, cores: int = 16) -> ProbeResult:
    return ProbeResult(nix("x86_64-linux", "i686-linux"), cores, load, 64 * GiB, 40 * GiB, 500 * GiB, key, 1.2, 8.5)


LOCAL = LocalMachine("workstation", 8, 1.25, 32 * GiB, 20 * GiB, 200 * GiB, nix("x86_64-linux"))


def _report(
    entry_host: Host,
    choice: Choice,
    configured: bool,
    outcome: ProbeResult | ProbeFailure,
    approved: HostKey | None,
    advertised: str | None = None,
) -> HostReport:
    known = Known(entry_host, choice, configured, advertised)
    return HostReport(known, outcome, trust_state(approved, outcome.host_key))


def recorded_events() -> list[Event]:
    """The local machine; alpha approved, bravo unknown (mDNS), charlie's key changed, delta unreachable."""
    changed = ProbeFailure(
        FailureKind.HOST_KEY_CHANGED,
        f"charlie (10.0.0.13:2222): HOST KEY CHANGED: approved {KEY_CHARLIE_OLD.fingerprint}, presented "
        f"{KEY_CHARLIE_NEW.fingerprint}; not used",
        KEY_CHARLIE_NEW,
    )
    timeout = ProbeFailure(FailureKind.TIMEOUT, "delta (10.0.0.14:22): no answer within 3 s")
    return [
        LocalReport(LOCAL),
        _report(ALPHA, CONFIGURED[0].choice, True, result(KEY_ALPHA, 3.5), KEY_ALPHA),
        _report(BRAVO, BRAVO_CHOICE, False, result(KEY_BRAVO, 0.25, cores=4), None, KEY_BRAVO.fingerprint),
        _report(CHARLIE, CONFIGURED[1].choice, True, changed, KEY_CHARLIE_OLD),
        _report(DELTA, CONFIGURED[2].choice, True, timeout, KEY_DELTA),
        Dropped("mDNS record 'evil': invalid host name"),
    ]


def write_config(entries: Sequence[HostEntry] = CONFIGURED, state: State = APPROVED, **defaults: object) -> None:
    """The config and state the recorded inventory goes with, in the test's home."""
    save_settings(paths.config_file(), Settings(Defaults(**defaults), tuple(entries)))  # type: ignore[arg-type]
    save_state(paths.state_file(), state)


class Clock:
    """Moves only when a test (or a replayed build) moves it."""

    def __init__(self, now: float = 100.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@dataclass
class Scanner:
    """Yields the recorded events; with a gate, the hosts only once the test opens it."""

    events: list[Event] = field(default_factory=recorded_events)
    gate: asyncio.Event | None = None
    calls: list[ScanOptions] = field(default_factory=list)

    async def __call__(
        self, settings: Settings, state: State, options: ScanOptions, cache: FactsCache | None
    ) -> AsyncIterator[Event]:
        self.calls.append(options)
        for event in self.events:
            if self.gate is not None and not isinstance(event, LocalReport):
                await self.gate.wait()
            yield event


@dataclass
class Prober:
    """Answers every target with a result of the next load; remembers what it was asked."""

    loads: list[float] = field(default_factory=lambda: [1.0, 2.0, 4.0, 8.0])
    calls: list[tuple[list[str], bool, bool]] = field(default_factory=list)
    keys: dict[str, HostKey] = field(
        default_factory=lambda: {"alpha": KEY_ALPHA, "bravo": KEY_BRAVO, "charlie": KEY_CHARLIE_NEW}
    )

    async def __call__(
        self, targets: Sequence[SshTarget], cache: FactsCache | None, pool: ConnectionPool | None
    ) -> AsyncIterator[tuple[SshTarget, ProbeResult | ProbeFailure]]:
        self.calls.append(([t.host.name for t in targets], cache is not None, pool is not None))
        load = self.loads[min(len(self.calls), len(self.loads)) - 1]
        for target in targets:
            yield target, result(self.keys[target.host.name], load)


@dataclass
class KeyFetcher:
    """What each address presents; an address not listed refuses."""

    keys: dict[str, HostKey] = field(
        default_factory=lambda: {"10.0.0.11": KEY_ALPHA, "10.0.0.12": KEY_BRAVO, "10.0.0.13": KEY_CHARLIE_NEW}
    )

    async def __call__(self, address: str, port: int, timeout: float) -> HostKey:
        if address not in self.keys:
            raise ConnectionFailure(f"{address}:{port}: connection refused (is sshd running?)")
        return self.keys[address]


TWO_HOSTS = {"ssh-ng://root@10.77.186.11": "alpha", "ssh-ng://root@10.77.186.13": "charlie"}
FAIL_HOSTS = {"ssh-ng://root@10.77.186.11": "alpha"}


@dataclass
class ReplayBuild:
    """A build that replays a recorded nix stderr, one clock second per line; it can stop half way, and end with
    a warning of the history."""

    clock: Clock
    log: str = "nix28-remote-two-hosts.log"
    machines: dict[str, str] = field(default_factory=lambda: dict(TWO_HOSTS))
    pause_after: int | None = None
    exit_code: int = 0
    requests: list[BuildRequest] = field(default_factory=list)
    paused: asyncio.Event = field(default_factory=asyncio.Event)
    release: asyncio.Event = field(default_factory=asyncio.Event)
    history_warning: str = ""

    async def __call__(self, settings: Settings, state: State, request: BuildRequest, listener: BuildListener) -> int:
        self.requests.append(request)
        listener.planned(self.machines, [Skipped("delta", "not used (space uses it)")], ["a note from prepare"])
        for index, line in enumerate((DATA / self.log).read_text().splitlines()):
            if index == self.pause_after:
                self.paused.set()
                await self.release.wait()
            self.clock.now += 1
            listener.lines([line])
        if self.history_warning:  # as run_build tells it: after nix exited
            listener.ended()
            listener.history_warning(self.history_warning)
        return self.exit_code


@dataclass
class Fakes:
    """Every seam, faked."""

    clock: Clock = field(default_factory=Clock)
    scanner: Scanner = field(default_factory=Scanner)
    prober: Prober = field(default_factory=Prober)
    fetcher: KeyFetcher = field(default_factory=KeyFetcher)
    builder: ReplayBuild | None = None
    expected: Expected = no_history

    def services(self) -> Services:
        builder = self.builder or ReplayBuild(self.clock)
        self.builder = builder
        return Services(
            scan=self.scanner,
            probe=self.prober,
            fetch_key=self.fetcher,
            build=builder,
            local_load=lambda: 0.75,
            clock=self.clock,
            expected=self.expected,
        )

    def app(self, theme: str | None = None, overrides: Overrides | None = None) -> NixswarmApp:
        """The app over the fakes, with no periodic refresh (tests refresh by hand)."""
        app = make_app(
            services=self.services(),
            options=ScanOptions(mdns=False),
            theme=theme,
            refresh_interval=None,
            cache=FactsCache(),
            overrides=overrides,
        )
        record_notices(app)
        return app
