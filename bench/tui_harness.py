"""What bench/tui_bench.py times: the first frame, and table updates with many hosts (headless, no network).

Both build the app with make_app() over synthetic core objects and a config in a temporary folder, so they
touch neither the network nor the user's files.
"""

from __future__ import annotations

import base64
import hashlib
import statistics
import tempfile
import time
from collections.abc import AsyncIterator, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from textual.geometry import Region

from nixswarm.model import Choice, Host, HostKey, NixFacts, NixVersion, ProbeResult, TrustState
from nixswarm.model.facts_cache import FactsCache
from nixswarm.model.local import LocalMachine
from nixswarm.probe.pool import ConnectionPool
from nixswarm.probe.ssh_target import SshTarget
from nixswarm.scan.inventory import Known
from nixswarm.scan.session import Event, HostReport, LocalReport, ScanOptions
from nixswarm.store.settings import Settings
from nixswarm.store.state import State
from nixswarm.tui.app import NixswarmApp, make_app
from nixswarm.tui.screens.hosts import HostsScreen
from nixswarm.tui.services import Outcome, Services

_NIX = NixFacts(NixVersion(2, 24, 0), ("x86_64-linux",), ("big-parallel",), max_jobs=8)


def _key(n: int) -> HostKey:
    raw = b"\x00\x00\x00\x0bssh-ed25519\x00\x00\x00\x20" + hashlib.sha256(str(n).encode()).digest()
    return HostKey("ssh-ed25519", base64.b64encode(raw).decode())


def _result(n: int, load: float) -> ProbeResult:
    return ProbeResult(_NIX, 32, load, 64 << 30, 32 << 30, 500 << 30, _key(n), 1.0, 5.0)


def synthetic_events(hosts: int) -> list[Event]:
    """The local machine and `hosts` reachable builders, as a scan reports them."""
    local = LocalMachine("bench", 16, 1.0, 32 << 30, 16 << 30, 100 << 30, _NIX)
    events: list[Event] = [LocalReport(local)]
    for n in range(hosts):
        host = Host(f"b{n:03d}", (f"10.{n // 250}.{n % 250}.1",))
        events.append(HostReport(Known(host, Choice(), False), _result(n, 1.0), TrustState.UNKNOWN))
    return events


@dataclass
class _Synthetic:
    events: list[Event]

    async def scan(
        self, settings: Settings, state: State, options: ScanOptions, cache: FactsCache | None
    ) -> AsyncIterator[Event]:
        for event in self.events:
            yield event

    async def probe(
        self, targets: Sequence[SshTarget], cache: FactsCache | None, pool: ConnectionPool | None
    ) -> AsyncIterator[tuple[SshTarget, Outcome]]:
        for n, target in enumerate(targets):
            yield target, _result(n, 2.0)


def _remember_nothing(cache: FactsCache, discovered: Iterable[Host]) -> None:
    """The benchmark keeps no facts and no seen hosts."""


def bench_app(hosts: int, folder: Path) -> NixswarmApp:
    """The app over `hosts` synthetic builders, config in folder, no periodic refresh."""
    fake = _Synthetic(synthetic_events(hosts))
    services = Services(scan=fake.scan, probe=fake.probe, remember=_remember_nothing, local_load=lambda: 1.0)
    return make_app(
        config_path=folder / "config.toml",
        services=services,
        options=ScanOptions(mdns=False),
        refresh_interval=None,
        cache=FactsCache(),
    )


async def first_frame(started: float | None = None, hosts: int = 0, size: tuple[int, int] = (120, 40)) -> float:
    """Seconds from started (default: now) until the host table has been drawn once (local row first)."""
    started = time.perf_counter() if started is None else started
    with tempfile.TemporaryDirectory() as folder:
        app = bench_app(hosts, Path(folder))
        async with app.run_test(size=size) as pilot:
            await pilot.pause()
            screen = app.screen
            assert isinstance(screen, HostsScreen) and screen.table.row_count >= 1
            table = screen.table
            table.render_lines(Region(0, 0, table.size.width, table.size.height))
            return time.perf_counter() - started


@dataclass(frozen=True)
class UpdateTimes:
    """Milliseconds per refresh round: every host's load applied, then the visible table painted."""

    rounds: list[float]
    """Each round, in ms."""
    worst_message: float
    """The slowest single update (one host's message), in ms."""

    @property
    def median(self) -> float:
        return statistics.median(self.rounds)


async def table_updates(hosts: int = 200, rounds: int = 20, size: tuple[int, int] = (160, 60)) -> UpdateTimes:
    """Load refresh of every host, `rounds` times (as every second): the table's handler and one repaint."""
    with tempfile.TemporaryDirectory() as folder:
        app = bench_app(hosts, Path(folder))
        async with app.run_test(size=size) as pilot:
            await app.workers.wait_for_complete()
            await pilot.pause()
            screen = app.screen
            assert isinstance(screen, HostsScreen) and len(screen.board) == hosts
            table, names = screen.table, [r.name for r in screen.board.rows()]
            times, worst = [], 0.0
            for round_ in range(rounds):
                answers = [_result(n, float(round_ % 8)) for n in range(len(names))]  # the probes' part, untimed
                started = time.perf_counter()
                for name, answer in zip(names, answers, strict=True):
                    one = time.perf_counter()
                    screen.on_live_hosts_probed(HostsScreen.Probed(name, answer))
                    worst = max(worst, time.perf_counter() - one)
                table.flush()  # as Textual does after the message: the changed lines marked for repaint
                table.render_lines(Region(0, 0, table.size.width, table.size.height))
                times.append((time.perf_counter() - started) * 1000)
                await pilot.pause()
            return UpdateTimes(times, worst * 1000)
