"""The host table fills in live: rows appear as the scan reports them, and load refreshes touch only load."""

from __future__ import annotations

import asyncio

from nixswarm.model.validate import LOCAL
from nixswarm.tui.screens.hosts import HostsScreen
from tests.tui.pilot import cell, hosts_screen, rows, settle
from tests.tui.recorded import Fakes, Prober


async def test_the_local_machine_is_first_and_configured_hosts_wait_for_their_probes(fakes: Fakes) -> None:
    fakes.scanner.gate = asyncio.Event()
    app = fakes.app()
    async with app.run_test(size=(150, 30)) as pilot:
        await pilot.pause()
        assert rows(app) == [LOCAL, "alpha", "charlie", "delta"]
        assert cell(app, "alpha", "status") == "probing…"
        assert cell(app, LOCAL, "name") == "workstation"  # the local probe answered before the gate
        fakes.scanner.gate.set()
        await settle(pilot)
        assert rows(app) == [LOCAL, "alpha", "charlie", "delta", "bravo"]  # bravo: found by mDNS, probed
        assert cell(app, "alpha", "status") == "ok"
        assert cell(app, "alpha", "systems") == "x86_64-linux +1"
        assert cell(app, "alpha", "cores") == "16"


async def test_every_host_shows_its_trust_and_status(fakes: Fakes) -> None:
    app = fakes.app()
    async with app.run_test(size=(150, 30)) as pilot:
        await settle(pilot)
        assert cell(app, "alpha", "trust").startswith("✓ ")
        assert cell(app, "bravo", "trust").startswith("? ")
        assert cell(app, "charlie", "trust") == "✗ CHANGED"
        assert cell(app, "charlie", "status") == "KEY CHANGED: not used"
        assert cell(app, "delta", "status") == "timeout: no answer within 3 s"
        assert cell(app, "delta", "use") == "○"
        assert cell(app, "alpha", "use") == "●"
        assert "4 hosts, 2 used, 2 approved" in str(hosts_screen(app).query_one("#topbar").render())


async def test_a_load_refresh_reads_load_over_kept_connections_and_grows_the_history(fakes: Fakes) -> None:
    app = fakes.app()
    async with app.run_test(size=(150, 30)) as pilot:
        await settle(pilot)
        assert cell(app, "alpha", "load").startswith(" 3.50 ")
        hosts_screen(app).refresh_loads()
        await settle(pilot)
        assert fakes.prober.calls == [(["alpha", "bravo"], True, True)]  # with the facts cache and the pool
        assert len(fakes.scanner.calls) == 1  # no new scan
        load = cell(app, "alpha", "load")
        assert load.startswith(" 1.00 ")
        assert len(load.split()[1]) == 2  # two readings in the sparkline
        assert cell(app, LOCAL, "load").startswith(" 0.75 ")
        assert len(hosts_screen(app).board.row("alpha").loads) == 2  # type: ignore[union-attr]


async def test_load_refreshes_run_on_their_own_every_interval(fakes: Fakes) -> None:
    from nixswarm.scan.session import ScanOptions
    from nixswarm.tui import make_app

    fakes.prober = Prober(loads=[1.0] * 100)
    app = make_app(services=fakes.services(), options=ScanOptions(mdns=False), refresh_interval=0.05)
    async with app.run_test(size=(150, 30)) as pilot:
        for _ in range(100):
            await pilot.pause(0.02)
            if len(fakes.prober.calls) >= 2:
                break
        assert len(fakes.prober.calls) >= 2


async def test_a_refresh_that_fails_marks_the_host_and_keeps_its_facts(fakes: Fakes) -> None:
    from nixswarm.model import FailureKind, ProbeFailure

    app = fakes.app()
    async with app.run_test(size=(150, 30)) as pilot:
        await settle(pilot)
        screen = hosts_screen(app)
        failure = ProbeFailure(FailureKind.REFUSED, "alpha (10.0.0.11:22): connection refused")
        screen.post_message(HostsScreen.Probed("alpha", failure))
        await pilot.pause()
        assert cell(app, "alpha", "status") == "refused: connection refused"
        assert cell(app, "alpha", "cores") == "16"


async def test_when_the_scan_ends_the_hosts_it_discovered_are_remembered_for_hosts_trust(fakes: Fakes) -> None:
    from nixswarm.store import paths
    from nixswarm.store.seen_file import load_seen

    app = fakes.app()
    async with app.run_test(size=(150, 30)) as pilot:
        await settle(pilot)
    assert list(load_seen(paths.seen_file())) == ["bravo"]  # configured hosts are not "seen"
    assert paths.facts_file().is_file()
