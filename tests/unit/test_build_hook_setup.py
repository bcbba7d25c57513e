"""The scheduler's view of the builders a build gives Nix: the check's readings and the policy's `hosts`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from nixswarm.build.hook_setup import Reading, policy_hosts
from nixswarm.build.plan import HostLine, Plan
from nixswarm.build.reach import check_output, checked_loads
from nixswarm.build.workdir import BuildDir
from nixswarm.files.selection import Selected, machine_entry
from nixswarm.hook.hosts import parse_hosts
from nixswarm.model.choice import Choice
from nixswarm.model.host import Host
from nixswarm.model.nixversion import NixVersion
from nixswarm.nix.machines_render import render_entry
from nixswarm.store.settings import Defaults, HostEntry
from tests.unit.hostile import KEY

NIX = NixVersion(2, 24, 0)
LOCAL = "x86_64-linux"


def selected(name: str, host: dict[str, object] | None = None, choice: Choice | None = None) -> Selected:
    return Selected(HostEntry(Host(name, ("10.0.0.2",), **(host or {})), choice or Choice()), KEY)  # type: ignore[arg-type]


def line_of(s: Selected) -> HostLine:
    entry = machine_entry(s, Defaults())
    return HostLine(s, entry, render_entry(entry, NIX))


def plan(*chosen: Selected) -> Plan:
    return Plan(tuple(line_of(s) for s in chosen), (), (LOCAL,))


def round_trip(hosts: list[dict[str, object]]) -> list[dict[str, object]]:
    parsed = parse_hosts(json.loads(json.dumps(hosts)))
    return [
        {
            "name": h.name,
            "line": h.line,
            "systems": list(h.systems),
            "features": list(h.features),
            "mandatory": list(h.mandatory),
            "slots": h.slots,
            "speed": h.speed,
            "cores": h.cores,
            "max_load": h.max_load,
            "load": h.load,
        }
        for h in parsed
    ]


def test_each_planned_host_becomes_a_policy_host_that_parses_back() -> None:
    big = selected(
        "big",
        {
            "systems": ("x86_64-linux", "i686-linux"),
            "features": ("kvm", "big-parallel"),
            "mandatory_features": ("big-parallel",),
            "max_jobs": 3,
            "max_load": 6.5,
        },
        Choice(max_jobs=8, speed_factor=2.5),
    )
    small = selected("small")
    p = plan(big, small)
    hosts = policy_hosts(p, {"big": (1.5, 16)}, LOCAL)
    assert hosts == [
        {
            "name": "big",
            "line": p.hosts[0].line,
            "systems": ["x86_64-linux", "i686-linux"],
            "features": ["kvm", "big-parallel"],
            "mandatory": ["big-parallel"],
            "slots": 3,  # the user's 8, capped by the owner's 3
            "speed": 2.5,
            "cores": 16,
            "max_load": 6.5,
            "load": 1.5,
        },
        {
            "name": "small",
            "line": p.hosts[1].line,
            "systems": [LOCAL],
            "features": [],
            "mandatory": [],
            "slots": 1,
            "speed": 1.0,
            "cores": 1,
            "max_load": None,
            "load": None,
        },
    ]
    assert round_trip(hosts) == hosts
    assert parse_hosts(json.loads(json.dumps(hosts)))[0].uri == "ssh-ng://nixswarm-big"


def test_a_host_with_no_systems_builds_the_local_system() -> None:
    hosts = policy_hosts(plan(selected("b1")), {}, "aarch64-linux")
    assert hosts[0]["systems"] == ["aarch64-linux"]
    assert parse_hosts(hosts)[0].refusal("aarch64-linux", ()) is None


@pytest.mark.parametrize(
    ("reading", "load", "cores"),
    [((None, None), None, 1), ((0.0, None), 0.0, 1), ((None, 4), None, 4), ((3.25, 2), 3.25, 2)],
)
def test_readings_fill_load_and_cores(reading: Reading, load: float | None, cores: int) -> None:
    (host,) = policy_hosts(plan(selected("b1")), {"b1": reading}, LOCAL)
    assert (host["load"], host["cores"]) == (load, cores)
    (parsed,) = parse_hosts([host])
    assert (parsed.load, parsed.cores) == (load, cores)


def test_no_planned_hosts_give_no_policy_hosts() -> None:
    assert policy_hosts(Plan((), (), (LOCAL,)), {"b1": (1.0, 2)}, LOCAL) == []


@pytest.mark.parametrize("reading", [(70_000.0, 4), (1.0, 99_999)])
def test_any_reading_the_check_accepts_gives_a_policy_that_parses(tmp_path: Path, reading: tuple[float, int]) -> None:
    where = BuildDir(tmp_path)
    b1 = selected("b1")
    check_output(where, "nixswarm-b1").write_text(f"{reading[0]:.2f} 0.10 0.10 1/100 1234\n{reading[1]}\n")
    readings = checked_loads([b1], where)
    assert readings == {"b1": reading}
    parse_hosts(policy_hosts(plan(b1), readings, LOCAL))


def test_any_speed_factor_the_config_accepts_gives_a_policy_that_parses() -> None:
    slow = selected("slow", choice=Choice(speed_factor=0.0001))
    parse_hosts(policy_hosts(plan(slow), {}, LOCAL))


def write_check(where: BuildDir, name: str, text: str | bytes) -> None:
    path = check_output(where, f"nixswarm-{name}")
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text)


@pytest.mark.parametrize(
    ("output", "reading"),
    [
        ("0.52 0.58 0.59 1/1086 263512\n8\n", (0.52, 8)),
        ("0.52 0.58 0.59 1/1086 263512\n 12 \n", (0.52, 12)),
        ("0.52 0.58 0.59 1/1086 263512\n", (0.52, None)),
        ("0.52 0.58 0.59 1/1086 263512\n0\n", (0.52, None)),
        ("0.52 0.58 0.59 1/1086 263512\n-4\n", (0.52, None)),
        ("0.52 0.58 0.59 1/1086 263512\n+4\n", (0.52, None)),
        ("0.52 0.58 0.59 1/1086 263512\n4.0\n", (0.52, None)),
        ("0.52 0.58 0.59 1/1086 263512\n123456\n", (0.52, None)),
        ("0.52 0.58 0.59 1/1086 263512\n\u0668\n", (0.52, None)),  # an Arabic-Indic 8
        ("0.52 0.58 0.59 1/1086 263512\n\u00b2\n", (0.52, None)),  # superscript two: isdigit, not int()
        ("Welcome to b1!\n8\n", (None, 8)),
        ("hello\nworld\n", (None, None)),
        ("", (None, None)),
        ("x" * 10_000 + "\n8\n", (None, None)),
    ],
)
def test_the_check_s_output_gives_load_and_cores_or_none(tmp_path: Path, output: str, reading: Reading) -> None:
    where = BuildDir(tmp_path)
    write_check(where, "b1", output)
    assert checked_loads([selected("b1")], where) == {"b1": reading}


def test_bytes_that_are_not_text_give_no_reading(tmp_path: Path) -> None:
    where = BuildDir(tmp_path)
    write_check(where, "b1", b"\xff\xfe\x00\x01\n\x80\n")
    assert checked_loads([selected("b1")], where) == {"b1": (None, None)}


def test_a_load_in_non_ascii_digits_is_no_reading(tmp_path: Path) -> None:
    where = BuildDir(tmp_path)
    write_check(where, "b1", "\u0660.\u0665\u0662 0.58 0.59 1/1086 263512\n8\n")
    assert checked_loads([selected("b1")], where) == {"b1": (None, 8)}


def test_a_host_whose_check_left_no_output_has_no_reading(tmp_path: Path) -> None:
    where = BuildDir(tmp_path)
    write_check(where, "b1", "1.00 0.58 0.59 1/1086 263512\n2\n")
    found = checked_loads([selected("b1"), selected("b2")], where)
    assert found == {"b1": (1.0, 2), "b2": (None, None)}
