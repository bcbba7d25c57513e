"""An owner's limits (max jobs, max load) travel from `advertise` or config.toml to column 4, scan and the TUI."""

from __future__ import annotations

import math
from dataclasses import replace
from pathlib import Path

import pytest

from nixswarm.cli.cmd_scan import _host_row
from nixswarm.cli.report import host_dict, report_dict
from nixswarm.discovery import service_types
from nixswarm.discovery.advert_txt import Publication, txt_properties
from nixswarm.discovery.merge import merge_two
from nixswarm.discovery.record import RawRecord, parse_record
from nixswarm.errors import ConfigError, ValidationError
from nixswarm.files.nixos_export import render_nixos
from nixswarm.files.selection import Selected, machine_entry
from nixswarm.model import NIX_2_8, Choice, Host, NixFacts, ProbeFailure, Source, TrustState
from nixswarm.model.probe import FailureKind
from nixswarm.scan.inventory import Inventory, Known
from nixswarm.scan.session import HostReport
from nixswarm.store.seen_file import load_seen, save_seen
from nixswarm.store.settings import Defaults, HostEntry, Settings
from nixswarm.store.settings_file import dump_settings, load_settings, save_settings
from nixswarm.store.state import State
from tests.unit.hostile import KEY

NIXSWARM_TXT: dict[bytes, bytes | None] = {b"txtvers": b"1", b"systems": b"x86_64-linux", b"max-jobs": b"4"}


def _advert(props: dict[bytes, bytes | None], service_type: str = service_types.NIXSWARM) -> RawRecord:
    return RawRecord(service_type, "b1", "b1.local.", 22, ("10.77.0.2",), props)


def test_a_nixswarm_advert_carries_the_owners_max_jobs_and_max_load_into_the_host() -> None:
    advert = parse_record(_advert({**NIXSWARM_TXT, b"max-load": b"2.5"}))
    assert (advert.host.max_jobs, advert.host.max_load) == (4, 2.5)
    assert advert.max_jobs == 4  # what a discovered host's first choice of slots is made from


def test_an_older_advert_without_max_load_still_parses_with_no_load_limit() -> None:
    advert = parse_record(_advert(NIXSWARM_TXT))
    assert advert.host.max_load is None
    assert advert.host.max_jobs == 4


def test_a_beacons_maxjobs_is_its_owners_max_jobs() -> None:
    advert = parse_record(_advert({b"systems": b"x86_64-linux", b"maxJobs": b"6"}, service_types.BEACON))
    assert (advert.host.max_jobs, advert.host.max_load) == (6, None)


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        (b"0", "above 0"),
        (b"1025", "at most 1024"),
        (b"99999.5", "at most 1024"),
        (b"-1", "expected a number"),
        (b"nan", "expected a number"),
        (b"inf", "expected a number"),
        (b"1e3", "expected a number"),
        (b"2,5", "expected a number"),
        (b" 2", "expected a number"),
        (b"", "expected a number"),
        (b"\xff", "not ASCII"),
        (b"1" * 2000, "too long"),
    ],
)
def test_a_bad_max_load_drops_the_advert_with_an_error_naming_the_txt_key(value: bytes, reason: str) -> None:
    with pytest.raises(ValidationError) as caught:
        parse_record(_advert({**NIXSWARM_TXT, b"max-load": value}))
    assert "TXT max-load" in caught.value.message
    assert reason in caught.value.message


@pytest.mark.parametrize(("key", "value"), [(b"max-jobs", b"0"), (b"max-jobs", b"1025"), (b"max-jobs", b"4.5")])
def test_a_bad_max_jobs_drops_the_advert_with_an_error_naming_the_txt_key(key: bytes, value: bytes) -> None:
    with pytest.raises(ValidationError, match="TXT max-jobs"):
        parse_record(_advert({**NIXSWARM_TXT, key: value}))


def test_merged_adverts_keep_the_richer_services_limits_and_fill_the_missing_one() -> None:
    own = parse_record(_advert({**NIXSWARM_TXT, b"max-load": b"2"}))
    beacon = parse_record(_advert({b"systems": b"x86_64-linux", b"maxJobs": b"9"}, service_types.BEACON))
    merged = merge_two(beacon, own).host
    assert (merged.max_jobs, merged.max_load) == (4, 2.0)
    bare = parse_record(_advert({b"txtvers": b"1"}))
    assert merge_two(bare, beacon).host.max_jobs == 9


@pytest.mark.parametrize(
    ("field", "value"),
    [
        *[("max_jobs", v) for v in (0, 1025, True, 2.0)],
        *[("max_load", v) for v in (0, -1.0, 1024.5, math.nan, math.inf, "2")],
    ],
)
def test_a_host_refuses_an_owners_limit_out_of_range(field: str, value: object) -> None:
    with pytest.raises(ValidationError, match="owner's max"):
        Host("b1", ("10.0.0.2",), **{field: value})  # type: ignore[arg-type]


def test_a_host_keeps_valid_limits_and_says_them_in_words() -> None:
    host = Host("b1", ("10.0.0.2",), max_jobs=4, max_load=2)
    assert host.max_load == 2.0 and isinstance(host.max_load, float)
    assert host.limits == "4 jobs, load 2"
    assert replace(host, max_jobs=1, max_load=None).limits == "1 job"
    assert Host("b1", ("10.0.0.2",)).limits == ""


CONFIG = '[hosts.b1]\naddresses = ["10.0.0.2"]\nmax_jobs = 8\n'


@pytest.mark.parametrize(
    ("line", "words"),
    [
        ("owner_max_jobs = 0", ("[hosts.b1]", "owner_max_jobs", "1 to 1024")),
        ("owner_max_jobs = 2.5", ("hosts.b1.owner_max_jobs must be int, not float",)),
        ('owner_max_load = "2"', ("hosts.b1.owner_max_load must be int or float, not str",)),
        ("owner_max_load = 0", ("[hosts.b1]", "owner_max_load", "above 0")),
        ("owner_max_load = nan", ("[hosts.b1]", "owner_max_load", "above 0")),
        ("owner_max_load = inf", ("[hosts.b1]", "owner_max_load", "at most 1024")),
        ("owner_max_load = true", ("hosts.b1.owner_max_load", "bool")),
        ("owner_max_lod = 2", ("'hosts.b1.owner_max_lod'", "did you mean 'owner_max_load'?")),
    ],
)
def test_a_bad_owners_limit_in_the_config_is_a_config_error_naming_file_host_and_key(
    tmp_path: Path, line: str, words: tuple[str, ...]
) -> None:
    path = tmp_path / "config.toml"
    path.write_text(CONFIG + line + "\n")
    with pytest.raises(ConfigError) as caught:
        load_settings(path)
    assert caught.value.message.startswith(str(path))
    for word in words:
        assert word in caught.value.message


def test_owners_limits_in_the_config_load_and_survive_a_rewrite(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text(CONFIG + "owner_max_jobs = 2\nowner_max_load = 3\n")
    entry = load_settings(path).hosts[0]
    assert (entry.host.max_jobs, entry.host.max_load, entry.choice.max_jobs) == (2, 3.0, 8)
    save_settings(path, load_settings(path))
    again = load_settings(path).hosts[0]
    assert again == entry
    assert "owner_max_jobs = 2\n" in path.read_text()


def test_a_host_without_limits_is_written_without_the_keys() -> None:
    text = dump_settings(Settings(hosts=(HostEntry(Host("b1", ("10.0.0.2",))),)))
    assert "owner_max" not in text


def _selected(choice_jobs: int, owner_jobs: int | None) -> Selected:
    host = Host("b1", ("10.0.0.2",), systems=("x86_64-linux",), max_jobs=owner_jobs)
    return Selected(HostEntry(host, Choice(max_jobs=choice_jobs)), KEY)


@pytest.mark.parametrize(("choice_jobs", "owner_jobs", "column4"), [(8, 2, 2), (2, 8, 2), (3, None, 3), (5, 5, 5)])
def test_column_4_is_the_smaller_of_the_users_slots_and_the_owners_max_jobs(
    choice_jobs: int, owner_jobs: int | None, column4: int
) -> None:
    selected = _selected(choice_jobs, owner_jobs)
    assert machine_entry(selected, Defaults()).max_jobs == column4
    assert machine_entry(selected, Defaults(), via_alias=False).max_jobs == column4
    assert f"maxJobs = {column4};" in render_nixos([selected], Defaults())


def _publication(**over: object) -> Publication:
    facts = NixFacts(NIX_2_8, ("x86_64-linux",))
    fields: dict[str, object] = {
        "name": "b1",
        "addresses": ("10.0.0.2",),
        "port": 22,
        "user": None,
        "facts": facts,
        "host_key": None,
        "max_jobs": 4,
    }
    return Publication(**{**fields, **over})  # type: ignore[arg-type]


@pytest.mark.parametrize(("load", "text"), [(2, "2"), (2.5, "2.5"), (0.00001, "0.00001"), (1024, "1024")])
def test_advertise_publishes_max_load_so_every_reader_parses_it_back(load: float, text: str) -> None:
    props = txt_properties(_publication(max_load=load))
    assert (props["max-jobs"], props["max-load"]) == ("4", text)
    advert = parse_record(_advert({k.encode(): v.encode() for k, v in props.items()}))
    assert advert.host.max_jobs == 4
    assert advert.host.max_load == pytest.approx(load)


def test_advertise_without_max_load_publishes_no_max_load_key() -> None:
    assert "max-load" not in txt_properties(_publication())


@pytest.mark.parametrize("load", [0, -2.0, math.nan, math.inf, 1025, 1e-9])
def test_advertise_refuses_a_max_load_it_could_not_publish(load: float) -> None:
    with pytest.raises(ValidationError, match="max load"):
        _publication(max_load=load)


def _report(host: Host) -> HostReport:
    outcome = ProbeFailure(FailureKind.REFUSED, "b1: refused")
    return HostReport(Known(host, Choice(), True), outcome, TrustState.UNKNOWN)


def test_scan_json_and_table_and_hosts_list_show_the_owners_limits() -> None:
    limited = Host("b1", ("10.0.0.2",), max_jobs=4, max_load=2)
    data = report_dict(_report(limited))
    assert (data["owner_max_jobs"], data["owner_max_load"]) == (4, 2.0)
    assert "  4 jobs, load 2  " in _host_row(data)
    free = report_dict(_report(Host("b1", ("10.0.0.2",))))
    assert (free["owner_max_jobs"], free["owner_max_load"]) == (None, None)
    listed = host_dict(HostEntry(limited), State())
    assert (listed["owner_max_jobs"], listed["owner_max_load"]) == (4, 2.0)


def test_a_configured_hosts_own_limits_win_over_an_advert_which_fills_the_missing_one() -> None:
    configured = HostEntry(Host("b1", ("10.77.0.2",), max_load=1.5))
    inventory = Inventory((configured,))
    advert = parse_record(_advert({**NIXSWARM_TXT, b"max-load": b"6"}))
    known, new = inventory.add_advert(advert)
    assert not new
    assert (known.host.max_jobs, known.host.max_load) == (4, 1.5)


def test_a_discovered_host_remembers_its_owners_limits_for_hosts_trust(tmp_path: Path) -> None:
    path = tmp_path / "seen.json"
    host = Host("b1", ("10.0.0.2",), sources=(Source.MDNS,), max_jobs=3, max_load=0.5)
    save_seen(path, [host])
    assert load_seen(path)["b1"] == host
