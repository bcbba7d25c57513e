"""10,000 fuzzed mDNS records: none crashes, and nothing hostile reaches a written machines file or ssh config."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nixswarm.discovery import service_types
from nixswarm.discovery.record import RawRecord, parse_record
from nixswarm.errors import ValidationError
from tests.unit.clean_files import assert_files_hold_nothing_hostile
from tests.unit.hostile import TEXT, TXT_KEYS, VALUE


@settings(max_examples=10_000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    service_type=st.sampled_from([*service_types.ALL, "_x._tcp.local."]),
    instance=TEXT,
    server=st.one_of(st.none(), TEXT, TEXT.map(lambda t: t + ".local.")),
    port=st.one_of(st.none(), st.integers(-1, 70000)),
    addresses=st.lists(st.one_of(TEXT, st.ip_addresses().map(str)), max_size=3),
    props=st.dictionaries(st.sampled_from(TXT_KEYS), VALUE, max_size=8),
)
def test_a_fuzzed_record_is_dropped_or_becomes_files_with_nothing_hostile(
    service_type: str,
    instance: str,
    server: str | None,
    port: int | None,
    addresses: list[str],
    props: dict[bytes, bytes | None],
) -> None:
    try:
        advert = parse_record(RawRecord(service_type, instance, server, port, tuple(addresses), props))
    except ValidationError:
        return
    assert_files_hold_nothing_hostile(advert.host)
