"""A scan streams results as they arrive: a slow host delays nobody, and trust is judged per host."""

from __future__ import annotations

import asyncio
import time

import pytest

from nixswarm.model import Choice, FailureKind, Host, HostKey, NixFacts, NixVersion, ProbeFailure, ProbeResult
from nixswarm.model.local import LocalMachine
from nixswarm.model.trust import TrustState
from nixswarm.probe.ssh_target import SshTarget
from nixswarm.scan import session as scan_session
from nixswarm.scan.session import HostReport, LocalReport, ScanOptions, scan
from nixswarm.store.settings import Defaults, HostEntry, Settings
from nixswarm.store.state import State

KEY_A = HostKey("ssh-ed25519", "AAAAC3NzaC1lZDI1NTE5AAAAIIAABEeAerharrcN7EBOTxLWJK0cQQnrhLvyrTQQxa96")
KEY_B = HostKey("ssh-ed25519", "AAAAC3NzaC1lZDI1NTE5AAAAIFg8V2BVqx1Wm4w9rEgUX0GBj0ZVlxmJtB0VmAjCtfp7")


def _result(key: HostKey) -> ProbeResult:
    nix = NixFacts(NixVersion(2, 8, 0), ("x86_64-linux",))
    return ProbeResult(nix, 2, 0.1, 1 << 30, 1 << 29, 1 << 33, key, 1.0, 2.0)


@pytest.fixture
def fake_probes(monkeypatch: pytest.MonkeyPatch) -> dict[str, float]:
    delays = {"fast": 0.0, "slow": 0.6, "changed": 0.0}

    async def probe_host(target: SshTarget, cache: object = None) -> ProbeResult | ProbeFailure:
        await asyncio.sleep(delays[target.host.name])
        if target.host.name == "slow":
            return ProbeFailure(FailureKind.TIMEOUT, "slow: no answer")
        return _result(KEY_B if target.host.name == "changed" else KEY_A)

    async def probe_local(timeout: float = 10.0) -> LocalMachine:
        return LocalMachine("here", 2, 0.0, 1, 1, 1, None, "no nix")

    monkeypatch.setattr(scan_session, "probe_host", probe_host)
    monkeypatch.setattr("nixswarm.probe.local.probe_local", probe_local)
    return delays


async def test_results_stream_in_completion_order_and_a_slow_host_delays_nobody(
    fake_probes: dict[str, float],
) -> None:
    hosts = tuple(HostEntry(Host(n, (f"10.0.0.{i}",)), Choice()) for i, n in enumerate(fake_probes, start=2))
    state = State().approve("fast", KEY_A).approve("changed", KEY_A)
    started = time.monotonic()
    seen: list[tuple[str, float]] = []
    reports: dict[str, HostReport] = {}
    async for event in scan(Settings(Defaults(), hosts), state, ScanOptions(mdns=False)):
        if isinstance(event, HostReport):
            seen.append((event.known.host.name, time.monotonic() - started))
            reports[event.known.host.name] = event
        else:
            assert isinstance(event, LocalReport)
    assert [name for name, _ in seen][-1] == "slow"
    assert all(at < 0.3 for name, at in seen if name != "slow")
    assert reports["fast"].trust is TrustState.APPROVED
    assert reports["changed"].trust is TrustState.CHANGED
    assert isinstance(reports["slow"].outcome, ProbeFailure)


async def test_a_machine_mdns_finds_is_announced_before_its_probe_answers(
    fake_probes: dict[str, float], monkeypatch: pytest.MonkeyPatch
) -> None:
    from collections.abc import AsyncIterator, Sequence

    from nixswarm.discovery.record import Advert
    from nixswarm.model.host import Source
    from nixswarm.scan.session import Found

    async def browse(duration: float, interfaces: Sequence[str] = ()) -> AsyncIterator[Advert | str]:
        yield Advert(Host("slow", ("10.0.0.9",), sources=(Source.MDNS,)))
        yield Advert(Host("slow", ("fe80::9",), sources=(Source.MDNS_SSH,)))  # the same machine again

    monkeypatch.setattr("nixswarm.discovery.browser.browse", browse)
    order: list[str] = []
    async for event in scan(Settings(), State(), ScanOptions()):
        if isinstance(event, Found):
            order.append(f"found {event.known.host.name}")
        elif isinstance(event, HostReport):
            order.append(f"probed {event.known.host.name}")
    assert order[0] == "found slow"  # at once, while the probe takes 0.6 s
    assert order.count("found slow") == 1
    assert "probed slow" in order


async def test_two_configured_hosts_at_one_address_are_reported_each_under_its_own_name_and_user(
    fake_probes: dict[str, float],
) -> None:
    hosts = (
        HostEntry(Host("fast", ("10.0.0.2",), user="root"), Choice()),
        HostEntry(Host("changed", ("10.0.0.2",), port=2222, user="bob"), Choice()),
    )
    reports = {}
    async for event in scan(Settings(Defaults(), hosts), State(), ScanOptions(mdns=False)):
        if isinstance(event, HostReport):
            reports[event.known.host.name] = event
    assert set(reports) == {"fast", "changed"}
    assert (reports["changed"].known.host.user, reports["changed"].known.host.port) == ("bob", 2222)
    outcome = reports["changed"].outcome
    assert isinstance(outcome, ProbeResult) and outcome.host_key == KEY_B
