"""mDNS records are hostile: each is validated into a Host, or dropped with a reason."""

from __future__ import annotations

import base64
import subprocess
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nixswarm.discovery import service_types
from nixswarm.discovery.merge import merge_adverts
from nixswarm.discovery.record import RawRecord, parse_record
from nixswarm.errors import ValidationError
from nixswarm.model.host import Source
from nixswarm.model.hostkey import HostKey


def _record(service_type: str = service_types.NIXSWARM, **over: object) -> RawRecord:
    fields: dict[str, object] = {
        "service_type": service_type,
        "instance": "b1",
        "server": "b1.local.",
        "port": 22,
        "addresses": ("10.77.0.2",),
        "properties": {
            b"txtvers": b"1",
            b"systems": b"x86_64-linux,i686-linux",
            b"features": b"big-parallel,kvm",
            b"mandatory": b"",
            b"max-jobs": b"4",
            b"speed-factor": b"2",
            b"user": b"builder",
            b"fingerprint": b"SHA256:" + b"A" * 43,
        },
    }
    fields.update(over)
    return RawRecord(**fields)  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def host_key(tmp_path_factory: pytest.TempPathFactory) -> HostKey:
    path = tmp_path_factory.mktemp("key") / "k"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(path)], check=True)
    return HostKey.parse(Path(f"{path}.pub").read_text())


def test_a_nixswarm_advert_becomes_a_host_with_its_systems_features_and_hints() -> None:
    advert = parse_record(_record())
    assert advert.host.name == "b1"
    assert advert.host.addresses == ("10.77.0.2",)
    assert advert.host.user == "builder"
    assert advert.host.systems == ("x86_64-linux", "i686-linux")
    assert advert.host.features == ("big-parallel", "kvm")
    assert advert.host.sources == (Source.MDNS,)
    assert (advert.max_jobs, advert.speed_factor) == (4, 2.0)
    assert advert.fingerprint == "SHA256:" + "A" * 43


def test_a_beacon_advert_carries_its_host_key_and_camel_case_fields(host_key: HostKey) -> None:
    props = {
        b"systems": b"aarch64-linux",
        b"maxJobs": b"8",
        b"speedFactor": b"3",
        b"sshUser": b"nix",
        b"supportedFeatures": b"big-parallel",
        b"mandatoryFeatures": b"",
        b"hostKey": base64.b64encode(host_key.line.encode()),
    }
    advert = parse_record(_record(service_types.BEACON, properties=props))
    assert advert.host.advertised_key == host_key
    assert advert.fingerprint == host_key.fingerprint
    assert advert.host.systems == ("aarch64-linux",)
    assert advert.host.user == "nix"
    assert advert.max_jobs == 8


def test_a_plain_ssh_server_is_only_a_candidate() -> None:
    advert = parse_record(_record(service_types.SSH, properties={}))
    assert advert.host.sources == (Source.MDNS_SSH,)
    assert advert.host.systems == ()


HOSTILE_TEXT = [
    "a b",
    "a\nb",
    "a;b",
    "a#b",
    "a@b",
    "'a'",
    '"a"',
    "ProxyCommand nc evil 22",
    "a\0b",
    "x" * 300,
    "bü",
    "",
]


@pytest.mark.parametrize("value", HOSTILE_TEXT)
@pytest.mark.parametrize("key", [b"systems", b"features", b"mandatory", b"user", b"max-jobs", b"fingerprint"])
def test_a_hostile_txt_value_drops_the_record_naming_the_field(key: bytes, value: str) -> None:
    record = _record()
    props = dict(record.properties)
    props[key] = value.encode("utf-8")
    if value == "" and key in (b"systems", b"features", b"mandatory", b"user"):
        parse_record(_record(properties=props))  # empty lists and users are simply absent
        return
    with pytest.raises(ValidationError) as err:
        parse_record(_record(properties=props))
    assert "TXT" in err.value.field or err.value.field in {
        "system",
        "systems",
        "feature",
        "features",
        "mandatory features",
        "user",
    }


@pytest.mark.parametrize("value", [v for v in HOSTILE_TEXT if v])
def test_a_hostile_server_and_instance_name_drops_the_record(value: str) -> None:
    with pytest.raises(ValidationError, match="mDNS name"):
        parse_record(_record(server=value + ".local.", instance=value))


def test_a_name_too_long_for_its_ssh_alias_gives_way_to_the_instance_name_or_drops_the_record() -> None:
    long = "b" * 60  # a valid host name, but `nixswarm-` and 60 characters is too long for a store URI's host label
    assert parse_record(_record(server=long + ".local.", instance="b1")).host.name == "b1"
    with pytest.raises(ValidationError, match="mDNS name"):
        parse_record(_record(server=long + ".local.", instance=long))


def test_a_ten_kilobyte_or_non_ascii_txt_value_is_refused() -> None:
    for raw in (b"x" * 10_240, b"\xff\xfe", "bü".encode()):
        props = dict(_record().properties)
        props[b"systems"] = raw
        with pytest.raises(ValidationError, match="TXT systems"):
            parse_record(_record(properties=props))


def test_a_wrong_txt_version_or_missing_address_or_bad_port_is_refused() -> None:
    props = dict(_record().properties)
    props[b"txtvers"] = b"2"
    for record in (
        _record(properties=props),
        _record(addresses=()),
        _record(port=0),
        _record(port=70000),
        _record(port=None),
        _record(service_type="_http._tcp.local."),
    ):
        with pytest.raises(ValidationError):
            parse_record(record)


@settings(max_examples=400, deadline=None)
@given(
    instance=st.text(max_size=80),
    server=st.one_of(st.none(), st.text(max_size=80)),
    port=st.one_of(st.none(), st.integers(-5, 70000)),
    addresses=st.lists(st.one_of(st.text(max_size=50), st.ip_addresses().map(str)), max_size=4),
    props=st.dictionaries(
        st.sampled_from(
            [
                b"txtvers",
                b"systems",
                b"features",
                b"mandatory",
                b"max-jobs",
                b"speed-factor",
                b"user",
                b"fingerprint",
                b"hostKey",
                b"maxJobs",
                b"sshUser",
                b"junk",
            ]
        ),
        st.one_of(st.none(), st.binary(max_size=200), st.text(max_size=60).map(str.encode)),
    ),
    service_type=st.sampled_from([*service_types.ALL, "_x._tcp.local."]),
)
def test_random_records_either_parse_into_safe_hosts_or_raise_validation_error(
    instance: str,
    server: str | None,
    port: int | None,
    addresses: list[str],
    props: dict[bytes, bytes | None],
    service_type: str,
) -> None:
    record = RawRecord(service_type, instance, server, port, tuple(addresses), props)
    try:
        advert = parse_record(record)
    except ValidationError:
        return
    host = advert.host
    for text in (host.name, *host.addresses, host.user or "", *host.systems, *host.features):
        assert not any(c in text for c in " \t\n\r;#\"'\0"), text
        assert text.isascii()


def test_one_machine_seen_over_two_services_and_two_families_is_one_host() -> None:
    a = parse_record(_record())
    b = parse_record(_record(service_types.SSH, properties={}, addresses=("fe80::1%eth0",)))
    c = parse_record(
        _record(service_types.SSH, properties={}, instance="other", server="b1.local.", addresses=("10.77.0.2",))
    )
    merged = merge_adverts([b, a, c])
    assert len(merged) == 1
    host = merged[0].host
    assert host.addresses == ("10.77.0.2", "fe80::1%eth0")
    assert host.systems == ("x86_64-linux", "i686-linux")
    assert set(host.sources) == {Source.MDNS, Source.MDNS_SSH}
