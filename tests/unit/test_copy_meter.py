"""Each builder's copy bandwidth, measured from the copies Nix reports, and the scheduler weighing it."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import pytest

from nixswarm.build.copy_meter import ENOUGH_BYTES, CopyMeter, bandwidth
from nixswarm.hook.bandwidth import FILE, parse_bandwidth, read_bandwidth, render_bandwidth
from nixswarm.hook.score import BANDWIDTH, rank
from tests.unit.test_hook_score import X86, host, situation

DATA = Path(__file__).parent / "data"
MIB = 1 << 20
P1 = "/nix/store/" + "a" * 32 + "-big"
P2 = "/nix/store/" + "b" * 32 + "-other"


def start(act: int, path: str, source: str, destination: str) -> str:
    fields = {"action": "start", "fields": [path, source, destination], "id": act, "level": 3, "type": 100}
    return "@nix " + json.dumps(dict(sorted(fields.items())), separators=(",", ":"))


def phase(act: int, text: str) -> str:
    fields = {"action": "start", "id": act, "level": 4, "text": text, "type": 0}
    return "@nix " + json.dumps(fields, separators=(",", ":"))


def stop(act: int) -> str:
    return f'@nix {{"action":"stop","id":{act}}}'


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def meter_for(folder: Path, sizes: dict[str, int], clock: Clock) -> CopyMeter:
    machines = {"ssh-ng://nixswarm-b1": "b1", "ssh-ng://nixswarm-b2": "b2"}
    return CopyMeter(machines, folder, size=lambda p: sizes.get(p, 0), clock=clock)


def test_a_hosts_bandwidth_is_its_bytes_over_the_time_its_copies_took(tmp_path: Path) -> None:
    clock = Clock()
    meter = meter_for(tmp_path, {P1: 200 * MIB}, clock)
    meter.lines([start(1, P1, "local", "ssh-ng://nixswarm-b1"), '@nix {"action":"result","id":1,"type":105}'])
    clock.now = 2.0
    meter.lines([stop(1)])
    meter.wait()
    assert meter.rates == {"b1": 100 * MIB}
    assert read_bandwidth(str(tmp_path)) == {"b1": 100 * MIB}
    meter.close()


def test_copies_back_count_and_parallel_copies_count_their_time_once(tmp_path: Path) -> None:
    clock = Clock()
    meter = meter_for(tmp_path, {P1: 100 * MIB, P2: 100 * MIB}, clock)
    meter.lines([start(1, P1, "ssh-ng://nixswarm-b2", "local")])
    clock.now = 1.0
    meter.lines([start(2, P2, "ssh-ng://nixswarm-b2", "local")])
    clock.now = 2.0
    meter.lines([stop(1), stop(2)])
    meter.wait()
    assert meter.rates == {"b2": 100 * MIB}  # 200 MiB in 2 s, not in 3
    meter.close()


def test_small_copies_other_stores_and_foreign_paths_are_left_out(tmp_path: Path) -> None:
    clock = Clock()
    meter = meter_for(tmp_path, {P1: 512 * 1024, P2: 100 * MIB, "/etc/passwd": 100 * MIB}, clock)
    meter.lines(
        [
            start(1, P1, "local", "ssh-ng://nixswarm-b1"),  # too small to say anything about bandwidth
            start(2, P2, "https://cache.nixos.org", "local"),  # a substitute
            start(3, "/etc/passwd", "local", "ssh-ng://nixswarm-b1"),  # not a store path: never measured
            '@nix {"action":"start","fields":"nonsense","id":4,"type":100}',
            '@nix {"action":"start","fields":[1,2,3],"id":5,"type":100}',
            '@nix {"action":"start", not json "type":100',
        ]
    )
    clock.now = 1.0
    meter.lines([stop(act) for act in range(1, 6)])
    meter.wait()
    assert meter.rates == {}
    assert not (tmp_path / FILE).exists()
    meter.close()


def test_a_hostless_store_takes_the_host_of_the_one_open_copying_phase(tmp_path: Path) -> None:
    clock = Clock()
    meter = meter_for(tmp_path, {P1: 64 * MIB, P2: 64 * MIB}, clock)
    meter.lines([phase(10, "copying dependencies to 'ssh-ng://nixswarm-b2'"), start(1, P1, "local", "ssh-ng://")])
    meter.lines([phase(11, "copying outputs from 'ssh-ng://nixswarm-b1'"), start(2, P2, "ssh-ng://", "local")])
    clock.now = 1.0
    meter.lines([stop(1), stop(2), stop(10), stop(11)])
    meter.wait()
    assert meter.rates == {"b2": 64 * MIB}  # the second copy came while two phases were open: whose is unknown
    meter.close()


@pytest.mark.parametrize(
    ("log", "machines"),
    [
        ("nix28-remote-two-hosts", {"ssh-ng://root@10.77.186.11": "b1", "ssh-ng://root@10.77.186.13": "b3"}),
        ("nix226-remote-logs", {"ssh-ng://root@10.77.84.11": "b1", "ssh-ng://root@10.77.84.12": "b2"}),
        ("nix234-remote-logs", {"ssh-ng://root@10.77.56.11": "b1", "ssh-ng://root@10.77.56.12": "b2"}),
    ],
)
def test_the_copies_of_real_nix_logs_are_measured_for_each_builder(
    log: str, machines: dict[str, str], tmp_path: Path
) -> None:
    ticks = itertools.count()
    meter = CopyMeter(machines, tmp_path, size=lambda p: 8 * MIB, clock=lambda: next(ticks) * 0.01)
    meter.lines((DATA / f"{log}.log").read_text().splitlines())
    meter.wait()
    assert set(meter.rates) == set(machines.values())
    meter.close()


def test_bandwidth_needs_enough_bytes_and_merges_overlapping_copies() -> None:
    assert bandwidth([(0.0, 1.0, ENOUGH_BYTES - 1)]) is None
    assert bandwidth([(0.0, 2.0, 32 * MIB), (1.0, 3.0, 32 * MIB), (5.0, 6.0, 32 * MIB)]) == 96 * MIB / 4
    assert bandwidth([(0.0, 1e-9, 64 * MIB)]) is None  # beyond any real link: a measuring fault


def test_the_file_drops_what_it_cannot_believe() -> None:
    text = render_bandwidth({"b1": 123.0 * MIB}) + "b2 nan\nb3 1\nb4 1e30\nb5\n b6 100\nb7 x\n"
    assert parse_bandwidth(text) == {"b1": 123 * MIB}


def test_the_scheduler_weighs_a_copy_with_the_hosts_measured_bandwidth() -> None:
    near, far = host("near"), host("far")
    inputs = [P1]
    s = situation(has={"other": {P1}}, sizes={P1: 400 * MIB})
    assumed, _ = rank([near, far], X86, (), inputs, s)
    assert [round(sc.finish - sc.work, 2) for sc in assumed] == [400 * MIB / BANDWIDTH] * 2
    measured = situation(has={"other": {P1}}, sizes={P1: 400 * MIB}, bandwidths={"far": 400 * MIB, "near": 40 * MIB})
    scores, _ = rank([near, far], X86, (), inputs, measured)
    assert [sc.name for sc in scores] == ["far", "near"]
    assert [round(sc.finish - sc.work, 2) for sc in scores] == [1.0, 10.0]
