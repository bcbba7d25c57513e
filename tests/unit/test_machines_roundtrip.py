"""Every valid machines entry survives render then parse unchanged, on Nix 2.8 and on current Nix."""

from __future__ import annotations

import base64
import re
import struct

from hypothesis import given, settings
from hypothesis import strategies as st

from nixswarm.errors import ValidationError
from nixswarm.model import validate
from nixswarm.model.hostkey import KEY_TYPES, HostKey
from nixswarm.model.nixversion import NIX_2_8, NixVersion
from nixswarm.nix import entry as entry_module
from nixswarm.nix.entry import MachineEntry
from nixswarm.nix.machines_parse import parse_entry, parse_machines
from nixswarm.nix.machines_render import render_entry, render_machines

NIX_2_31 = NixVersion(2, 31, 0)


def _pattern(regex: re.Pattern[str]) -> st.SearchStrategy[str]:
    """Strings the validation pattern accepts; its longest repeats capped at 64 to keep examples quick."""
    capped = re.sub(r"\{0,(\d{3,})\}", "{0,64}", regex.pattern)
    return st.from_regex(re.compile(capped), fullmatch=True)


def _is_address(text: str) -> bool:
    try:
        validate.address(text)
    except ValidationError:
        return False
    return True


dns_names = (
    st.lists(_pattern(validate._DNS_LABEL), min_size=1, max_size=4)
    .map(".".join)
    .filter(lambda name: len(name) <= 253 and _is_address(name))
)
ipv4 = st.ip_addresses(v=4).map(str)
ipv6 = st.tuples(st.ip_addresses(v=6).map(str), st.one_of(st.just(""), _pattern(validate._SCOPE))).map(
    lambda pair: f"{pair[0]}%{pair[1]}" if pair[1] else pair[0]
)
users = st.one_of(st.none(), _pattern(validate._USER))
params = st.lists(st.tuples(_pattern(entry_module._PARAM_KEY), _pattern(entry_module._PARAM_VALUE)), max_size=3).map(
    tuple
)
systems = st.lists(_pattern(validate._SYSTEM), max_size=4).map(tuple)
features = st.lists(_pattern(validate._FEATURE), max_size=4).map(tuple)
paths = st.one_of(st.none(), _pattern(validate._PATH))


@st.composite
def host_keys(draw: st.DrawFn) -> HostKey:
    """A key whose blob embeds its algorithm, as HostKey checks; the rest is random bytes."""
    algorithm = draw(st.sampled_from(sorted(KEY_TYPES)))
    name = algorithm.encode()
    raw = struct.pack(">I", len(name)) + name + draw(st.binary(min_size=0, max_size=80))
    return HostKey(algorithm, base64.b64encode(raw).decode("ascii"))


def entries(nix: NixVersion) -> st.SearchStrategy[MachineEntry]:
    """Entries that Nix `nix` can be given: no port, no IPv6 and whole speed factors before 2.20/2.31."""
    hosts = st.one_of(dns_names, ipv4, ipv6) if nix.port_in_store_uri else st.one_of(dns_names, ipv4)
    ports = st.one_of(st.none(), st.integers(1, 65535)) if nix.port_in_store_uri else st.none()
    whole = st.integers(1, 10_000).map(float)
    speeds = (
        st.one_of(whole, st.floats(0, 10_000, exclude_min=True, allow_nan=False)) if nix.float_speed_factor else whole
    )
    return st.builds(
        MachineEntry,
        host=hosts,
        scheme=st.sampled_from(["ssh", "ssh-ng"]),
        user=users,
        port=ports,
        params=params,
        systems=systems,
        ssh_key=paths,
        max_jobs=st.integers(1, validate.MAX_JOBS_LIMIT),
        speed_factor=speeds,
        supported_features=features,
        mandatory_features=features,
        host_key=st.one_of(st.none(), host_keys()),
    )


@settings(max_examples=100, deadline=None)
@given(entries(NIX_2_8))
def test_an_entry_rendered_for_nix_2_8_parses_back_equal(entry: MachineEntry) -> None:
    line = render_entry(entry, NIX_2_8)
    assert parse_entry(line, NIX_2_8) == entry
    assert ";" not in line
    assert not line.startswith((" ", "@"))


@settings(max_examples=100, deadline=None)
@given(entries(NIX_2_31))
def test_an_entry_rendered_for_nix_2_31_with_ports_ipv6_and_float_speeds_parses_back_equal(
    entry: MachineEntry,
) -> None:
    assert parse_entry(render_entry(entry, NIX_2_31), NIX_2_31) == entry


@settings(max_examples=25, deadline=None)
@given(st.lists(entries(NIX_2_8), max_size=6))
def test_a_whole_file_for_nix_2_8_parses_back_to_the_same_entries_in_order(items: list[MachineEntry]) -> None:
    text = render_machines(items, NIX_2_8)
    for nix in (NIX_2_8, NIX_2_31):  # what 2.8 reads, current Nix reads the same way
        result = parse_machines(text, "/etc/nix/machines", nix=nix)
        assert result.problems == []
        assert [p.entry for p in result.entries] == items
        assert [p.line for p in result.entries] == list(range(2, len(items) + 2))  # line 1 is the header


@settings(max_examples=25, deadline=None)
@given(st.lists(entries(NIX_2_31), max_size=6))
def test_a_whole_file_for_nix_2_31_parses_back_to_the_same_entries_in_order(items: list[MachineEntry]) -> None:
    result = parse_machines(render_machines(items, NIX_2_31), "/etc/nix/machines", nix=NIX_2_31)
    assert result.problems == []
    assert result.raise_for_problems() == items


@settings(max_examples=100, deadline=None)
@given(st.floats(0, 10_000, exclude_min=True, allow_nan=False))
def test_a_float_speed_factor_is_written_for_nix_2_8_as_a_whole_number_of_at_least_one(speed: float) -> None:
    parsed = parse_entry(render_entry(MachineEntry("b1", speed_factor=speed), NIX_2_8), NIX_2_8)
    assert parsed.speed_factor == max(1, round(speed))


def test_an_ipv6_host_is_bracketed_in_the_store_uri_so_its_last_group_is_not_a_port() -> None:
    entry = MachineEntry("fe80::1%eth0", user="nix", port=22)
    assert entry.store_uri == "ssh-ng://nix@[fe80::1%eth0]:22"
    assert parse_entry(render_entry(entry, NIX_2_31), NIX_2_31) == entry
