"""Discovery and probing against real builders: real multicast, real sshd, real Nix."""

from __future__ import annotations

import asyncio
import json
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from nixswarm.model.facts_cache import FactsCache
from nixswarm.model.probe import ProbeFailure, ProbeResult
from nixswarm.scan.session import HostReport, ScanOptions, scan
from nixswarm.store.settings import Defaults, Settings
from nixswarm.store.state import State
from tests.e2e.helpers import MakeLab, open_lab, run_nixswarm
from tests.lab import BuilderSpec, Lab
from tests.lab.sniff import MdnsSniffer

TIMEOUT = 2.0


@pytest.fixture(scope="module")
def adlab() -> Iterator[Lab]:
    """b1 plain, b2 with two systems and kvm, b3 refused, b4 blackholed; every one advertising itself."""
    specs = [
        BuilderSpec(),
        BuilderSpec(systems=("x86_64-linux", "i686-linux"), features=("kvm", "big-parallel"), max_jobs=2),
        BuilderSpec(state="refused"),
        BuilderSpec(state="blackhole"),
    ]
    with open_lab(specs, advertise=True) as lab:
        yield lab


def timed_scan(lab: Lab, **options: Any) -> tuple[dict[str, tuple[float, HostReport]], float]:
    """Scan in-process; each host's report with the second it arrived at."""
    settings = Settings(Defaults(user="root", identity=str(lab.client_key), timeout=TIMEOUT))
    opts = ScanOptions(interfaces=(lab.bridge_address,), **options)
    found: dict[str, tuple[float, HostReport]] = {}

    async def go() -> float:
        started = time.monotonic()
        async for event in scan(settings, State(), opts, FactsCache()):
            if isinstance(event, HostReport):
                name = event.known.host.name  # a host is reported again when a later advert adds to it
                found[name] = (found[name][0] if name in found else time.monotonic() - started, event)
        return time.monotonic() - started

    return found, asyncio.run(go())


def cli(lab: Lab, *args: str, home: Path) -> subprocess.CompletedProcess[str]:
    """Run the nixswarm command with its own home."""
    return run_nixswarm(home, *args, timeout=60)


def scan_json(lab: Lab, home: Path, *extra: str) -> dict[str, Any]:
    done = cli(
        lab,
        "scan",
        "--json",
        "--interface",
        lab.bridge_address,
        "--user",
        "root",
        "--identity",
        str(lab.client_key),
        "--timeout",
        str(TIMEOUT),
        *extra,
        home=home,
    )
    assert done.returncode == 0, done.stderr
    result: dict[str, Any] = json.loads(done.stdout)
    return result


def test_every_advertised_builder_is_found_within_two_seconds_with_its_facts(adlab: Lab) -> None:
    found, _ = timed_scan(adlab)
    for b in adlab.builders[:2]:
        at, report = found[b.name]
        assert at < 2.0, f"{b.name} reported after {at:.2f} s"
        assert isinstance(report.outcome, ProbeResult), report.outcome
        nix = report.outcome.nix
        assert set(nix.systems) == set(b.systems)
        assert set(nix.features) >= set(b.features)
        assert report.outcome.host_key is not None
        assert report.outcome.host_key.fingerprint == b.fingerprint()
        assert report.known.advertised_fingerprint == b.fingerprint()
        assert report.trust.value == "unknown"


def test_a_builder_whose_sshd_is_down_is_listed_unreachable_with_the_reason(adlab: Lab) -> None:
    found, _ = timed_scan(adlab)
    _, report = found["b3"]
    assert isinstance(report.outcome, ProbeFailure)
    assert report.outcome.kind.value == "refused"
    assert "b3" in report.outcome.message or adlab.builder("b3").address in report.outcome.message


def test_a_blackholed_builder_delays_no_other_result(adlab: Lab) -> None:
    found, total = timed_scan(adlab)
    at_dead, dead = found["b4"]
    assert isinstance(dead.outcome, ProbeFailure) and dead.outcome.kind.value == "timeout"
    assert at_dead >= TIMEOUT
    for name in ("b1", "b2", "b3"):
        assert found[name][0] < at_dead - 0.5, f"{name} waited for the blackholed b4"
    assert total < TIMEOUT + 2.0


def test_the_scan_command_prints_one_json_document_in_the_documented_schema(adlab: Lab, tmp_path: Path) -> None:
    doc = scan_json(adlab, tmp_path)
    assert set(doc) == {"local", "hosts", "duration_s"}
    keys = {
        "name",
        "addresses",
        "port",
        "user",
        "sources",
        "reachable",
        "error",
        "nix_version",
        "systems",
        "features",
        "mandatory_features",
        "cores",
        "load",
        "mem_total_bytes",
        "mem_available_bytes",
        "store_free_bytes",
        "host_key",
        "fingerprint",
        "trust",
        "rtt_ms",
        "probe_ms",
    }
    hosts = {h["name"]: h for h in doc["hosts"]}
    assert set(hosts) == {"b1", "b2", "b3", "b4"}
    for h in hosts.values():
        assert keys <= set(h), keys - set(h)
    b2 = hosts["b2"]
    assert b2["reachable"] and b2["nix_version"] and b2["cores"] >= 1 and b2["store_free_bytes"] > 0
    assert b2["fingerprint"] == adlab.builder("b2").fingerprint()
    assert b2["sources"] == ["mdns"] and b2["user"] == "root"
    assert not hosts["b3"]["reachable"] and "refused" in hosts["b3"]["error"]
    assert not hosts["b4"]["reachable"] and hosts["b4"]["error"]


def test_the_scan_table_streams_a_row_per_host_and_names_the_untrusted(adlab: Lab, tmp_path: Path) -> None:
    done = cli(
        adlab,
        "scan",
        "--interface",
        adlab.bridge_address,
        "--user",
        "root",
        "--identity",
        str(adlab.client_key),
        "--timeout",
        str(TIMEOUT),
        home=tmp_path,
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].startswith("NAME")
    # rows come as hosts answer: a refused host can answer before the local probe (slower with newer Nix)
    assert len([line for line in lines[1:] if line.startswith("(local)")]) == 1
    rows = {line.split()[0]: line for line in lines[1:] if line.startswith("b")}
    assert set(rows) == {"b1", "b2", "b3", "b4"}
    assert "refused" in rows["b3"]
    assert "not trusted yet: " in done.stderr and "b1" in done.stderr


def test_nothing_multicasts_outside_the_lab(adlab: Lab) -> None:
    lab_links = (adlab.bridge, f"nx{adlab.run_id}")
    with MdnsSniffer() as sniffer:
        adlab.stop_procs(adlab.builder("b1"))  # a goodbye
        adlab.start_advertisers([adlab.builder("b1")])  # probes and announcements
        timed_scan(adlab)  # queries and answers
    inside = sum(n for link, n in sniffer.counts.items() if link.startswith(lab_links))
    outside = {link: n for link, n in sniffer.counts.items() if not link.startswith(lab_links)}
    assert inside > 0, "the sniffer saw nothing at all"
    assert outside == {}


def test_one_machine_on_two_addresses_and_three_service_types_is_one_host(make_lab: MakeLab) -> None:
    lab = make_lab([BuilderSpec()])
    b1 = lab.builders[0]
    second = f"10.77.{lab.subnet}.111"
    lab.add_address(b1, second)
    lab.start_advertisers()
    lab.start_beacon(b1, second, "beacon", "ssh")
    found, _ = timed_scan(lab)
    assert list(found) == ["b1"]
    host = found["b1"][1].known.host
    assert set(host.addresses) == {b1.address, second}
    assert {s.value for s in host.sources} == {"mdns", "mdns-beacon", "mdns-ssh"}
    assert host.advertised_key is not None and host.advertised_key.fingerprint == b1.fingerprint()


def test_a_builder_whose_key_is_replaced_after_approval_is_reported_changed(make_lab: MakeLab, tmp_path: Path) -> None:
    lab = make_lab([BuilderSpec()])
    b1 = lab.builders[0]
    lab.start_advertisers()
    first = scan_json(lab, tmp_path)
    assert first["hosts"][0]["trust"] == "unknown"
    wrong = cli(lab, "hosts", "trust", "b1", "--fingerprint", "SHA256:" + "A" * 43, home=tmp_path)
    assert wrong.returncode != 0 and "mismatch" in wrong.stderr
    ok = cli(lab, "hosts", "trust", "b1", "--fingerprint", b1.fingerprint(), home=tmp_path)
    assert ok.returncode == 0, ok.stderr
    assert scan_json(lab, tmp_path)["hosts"][0]["trust"] == "approved"
    state_before = (tmp_path / "state" / "nixswarm" / "state.json").read_bytes()

    lab.replace_host_key(b1)
    changed = scan_json(lab, tmp_path)["hosts"][0]
    assert changed["trust"] == "changed"
    assert changed["fingerprint"] == b1.fingerprint()
    table = cli(lab, "scan", "--interface", lab.bridge_address, "--timeout", str(TIMEOUT), home=tmp_path)
    assert "HOST KEY CHANGED for b1" in table.stderr
    again = cli(lab, "hosts", "trust", "b1", "--fingerprint", b1.fingerprint(), home=tmp_path)
    assert again.returncode != 0 and "HOST KEY CHANGED" in again.stderr
    assert (tmp_path / "state" / "nixswarm" / "state.json").read_bytes() == state_before
