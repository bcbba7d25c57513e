"""10,000 fuzzed mDNS packets (5,000 built with zeroconf's own DNSOutgoing, 5,000 of those mutated) through
python-zeroconf's own receive path and nixswarm's browser: none crashes, and nothing hostile reaches a written
machines file, ssh config or known_hosts."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from zeroconf import BadTypeInNameException, ServiceStateChange
from zeroconf._cache import DNSCache
from zeroconf._dns import DNSAddress, DNSPointer, DNSRecord, DNSService, DNSText
from zeroconf._handlers.record_manager import RecordManager
from zeroconf._listener import AsyncListener
from zeroconf._protocol.outgoing import DNSOutgoing
from zeroconf._services.browser import _ServiceBrowserBase
from zeroconf._services.registry import ServiceRegistry
from zeroconf.asyncio import AsyncServiceInfo
from zeroconf.const import (
    _CLASS_IN,
    _CLASS_UNIQUE,
    _FLAGS_AA,
    _FLAGS_QR_RESPONSE,
    _TYPE_A,
    _TYPE_AAAA,
    _TYPE_PTR,
    _TYPE_SRV,
    _TYPE_TXT,
)

from nixswarm.discovery import service_types
from nixswarm.discovery.browser import raw_record
from nixswarm.discovery.merge import merge_adverts
from nixswarm.discovery.record import Advert, parse_record
from nixswarm.errors import ValidationError
from tests.unit.clean_files import assert_files_hold_nothing_hostile
from tests.unit.hostile import TEXT, TXT_KEYS, VALUE

Sender = tuple[str, int] | tuple[str, int, int, int]
SENDERS = st.sampled_from([("192.0.2.7", 5353), ("fe80::7", 5353, 0, 2)])  # over IPv6: link-local gets a scope
SETTINGS = settings(max_examples=5_000, deadline=None, suppress_health_check=[HealthCheck.too_slow])


class Receiver:
    """A Zeroconf without sockets: zeroconf's own listener, record manager, cache and browser, browsing as
    nixswarm's browser does."""

    def __init__(self) -> None:
        zc = cast(Any, self)
        self.cache = DNSCache()
        self.registry = ServiceRegistry()  # nothing published: queries are ignored
        self.query_handler = None
        self.loop = object()  # the browser only asserts there is one
        self.record_manager = RecordManager(zc)
        self.listener = AsyncListener(zc)
        self.browsed: dict[tuple[str, str], None] = {}
        browser = _ServiceBrowserBase(zc, list(service_types.ALL), handlers=[self.on_change])
        self.record_manager.async_add_listener(browser, None)

    def async_notify_all(self) -> None:
        """Nobody waits on this cache."""

    def on_change(self, zeroconf: Any, service_type: str, name: str, state_change: ServiceStateChange) -> None:
        """What browser.browse resolves."""
        if state_change in (ServiceStateChange.Added, ServiceStateChange.Updated):
            self.browsed[service_type, name] = None


def adverts_from(packets: list[bytes], sender: Sender) -> list[Advert]:
    """The adverts nixswarm's browser resolves once these packets have arrived. What it drops with a reason
    (zeroconf's BadTypeInNameException, nixswarm's ValidationError) is left out; any other exception escapes."""
    receiver = Receiver()
    for packet in packets:
        receiver.listener.datagram_received(packet, sender)
    adverts = []
    for service_type, name in receiver.browsed:
        try:
            info = AsyncServiceInfo(service_type, name)
        except BadTypeInNameException:
            continue  # browser.resolve drops it with a reason
        if not info.load_from_cache(cast(Any, receiver)):  # async_request's first step; nothing more will come
            continue
        try:
            adverts.append(parse_record(raw_record(service_type, name, info)))
        except ValidationError:
            continue
    return merge_adverts(adverts)


def _label(text: str) -> str:
    """At most 63 UTF-8 bytes, the longest label DNSOutgoing writes; longer ones are the mutations' business."""
    return text.encode()[:63].decode(errors="ignore")


def _txt(items: list[tuple[bytes, bytes | None]]) -> bytes:
    strings = [(key if value is None else key + b"=" + value)[:255] for key, value in items]
    return b"".join(bytes([len(s)]) + s for s in strings)


SERVICE_TYPE = st.sampled_from([*service_types.ALL, "_x._tcp.local."])
SERVER = st.one_of(TEXT.map(_label), TEXT.map(lambda t: _label(t) + ".local."))
TTL = st.sampled_from([120, 4500, 1, 0])
PORT = st.one_of(st.sampled_from([22, 0, 65535]), st.integers(0, 65535))
TXT_ITEM = st.tuples(st.one_of(st.sampled_from(TXT_KEYS), TEXT.map(str.encode)), VALUE)
TXT = st.tuples(st.booleans(), st.lists(TXT_ITEM, max_size=4)).map(lambda v: _txt([(b"txtvers", b"1")] * v[0] + v[1]))
ADDRESS = st.one_of(st.ip_addresses(), st.ip_addresses(network="fe80::/64")).map(lambda a: a.packed)
ADDRESSES = st.lists(st.one_of(ADDRESS, st.binary(min_size=4, max_size=4)), min_size=1, max_size=2)
UNIQUE = st.sampled_from([_CLASS_IN | _CLASS_UNIQUE, _CLASS_IN])
KINDS = st.permutations(["addresses", "ptr", "srv", "txt"])
MISSING = st.sampled_from([0, 0, 0, 1, 2])


@st.composite
def _service(draw: st.DrawFn) -> list[DNSRecord]:
    """The PTR, SRV, TXT and address records of one advert in any order, a few perhaps missing, every field maybe
    hostile."""
    service_type, server, ttl, unique = draw(SERVICE_TYPE), draw(SERVER), draw(TTL), draw(UNIQUE)
    name = f"{_label(draw(TEXT))}.{service_type}"
    records: dict[str, list[DNSRecord]] = {
        "ptr": [DNSPointer(service_type, _TYPE_PTR, _CLASS_IN, ttl, name)],
        "srv": [DNSService(name, _TYPE_SRV, unique, ttl, 0, 0, draw(PORT), server)],
        "txt": [DNSText(name, _TYPE_TXT, unique, ttl, draw(TXT))],
        "addresses": [
            DNSAddress(server, _TYPE_A if len(a) == 4 else _TYPE_AAAA, unique, ttl, a) for a in draw(ADDRESSES)
        ],
    }
    return [r for kind in draw(KINDS)[draw(MISSING) :] for r in records[kind]]


SERVICES = st.lists(_service(), min_size=1, max_size=2)


@st.composite
def _packets(draw: st.DrawFn) -> list[bytes]:
    """What a responder built with zeroconf's own DNSOutgoing sends for one or two adverts."""
    out = DNSOutgoing(_FLAGS_QR_RESPONSE | _FLAGS_AA)
    for record in (r for service in draw(SERVICES) for r in service):
        out.add_answer_at_time(record, 0)
    return out.packets()


def _pointer(to: int) -> bytes:
    return bytes([0xC0 | (to >> 8) & 0x3F, to & 0xFF])


def _flip(data: bytearray, at: int, value: bytes) -> None:
    data[at % len(data)] ^= value[0] or 1


def _truncate(data: bytearray, at: int, value: bytes) -> None:
    del data[at % (len(data) + 1) :]


def _insert(data: bytearray, at: int, value: bytes) -> None:
    at %= len(data) + 1
    data[at:at] = value


def _pointer_loop(data: bytearray, at: int, value: bytes) -> None:
    """A compression pointer (most likely where one was) to itself, or two pointing at each other."""
    pointers = [i for i in range(12, len(data) - 1) if data[i] >= 0xC0] or [0]
    at = pointers[at % len(pointers)]
    loop = _pointer(at) if value[0] % 2 else _pointer(at + 2) + _pointer(at)
    data[at : at + len(loop)] = loop


def _oversized_label(data: bytearray, at: int, value: bytes) -> None:
    """A length byte of 63 (the most a label may have, perhaps more than follow), a reserved 64-191, or a pointer."""
    data[at % len(data)] = 63 + value[0] % 193


def _lying_count(data: bytearray, at: int, value: bytes) -> None:
    """One of the four record counts of the header made up."""
    field = 4 + 2 * (at % 4)
    data[field : field + 2] = (value * 2)[:2]


MUTATIONS: dict[str, Callable[[bytearray, int, bytes], None]] = {
    "flip": _flip,
    "truncate": _truncate,
    "insert": _insert,
    "pointer-loop": _pointer_loop,
    "oversized-label": _oversized_label,
    "lying-count": _lying_count,
}


MUTATION_LISTS = st.lists(
    st.tuples(st.sampled_from(sorted(MUTATIONS)), st.integers(0, 0xFFFF), st.binary(min_size=1, max_size=8)),
    min_size=1,
    max_size=4,
)


def _mutated(packet: bytes, mutations: list[tuple[str, int, bytes]]) -> bytes:
    data = bytearray(packet)
    for kind, at, value in mutations:
        if data:
            MUTATIONS[kind](data, at, value)
    return bytes(data)


def test_a_clean_advert_packet_becomes_one_advert() -> None:
    name = f"b1.{service_types.NIXSWARM}"
    out = DNSOutgoing(_FLAGS_QR_RESPONSE | _FLAGS_AA)
    for record in (
        DNSPointer(service_types.NIXSWARM, _TYPE_PTR, _CLASS_IN, 4500, name),
        DNSService(name, _TYPE_SRV, _CLASS_IN | _CLASS_UNIQUE, 120, 0, 0, 2222, "b1.local."),
        DNSText(name, _TYPE_TXT, _CLASS_IN | _CLASS_UNIQUE, 4500, _txt([(b"txtvers", b"1"), (b"user", b"nix")])),
        DNSAddress("b1.local.", _TYPE_A, _CLASS_IN | _CLASS_UNIQUE, 120, bytes([192, 0, 2, 1])),
    ):
        out.add_answer_at_time(record, 0)
    [advert] = adverts_from(out.packets(), ("192.0.2.7", 5353))
    host = advert.host
    assert (host.name, host.addresses, host.port, host.user) == ("b1", ("192.0.2.1",), 2222, "nix")


@SETTINGS
@given(packets=_packets(), sender=SENDERS)
def test_a_fuzzed_valid_packet_is_dropped_or_becomes_files_with_nothing_hostile(
    packets: list[bytes], sender: Sender
) -> None:
    for advert in adverts_from(packets, sender):
        assert_files_hold_nothing_hostile(advert.host)


@SETTINGS
@given(packets=_packets(), mutations=MUTATION_LISTS, sender=SENDERS)
def test_a_mutated_packet_is_dropped_or_becomes_files_with_nothing_hostile(
    packets: list[bytes], mutations: list[tuple[str, int, bytes]], sender: Sender
) -> None:
    for advert in adverts_from([_mutated(packets[0], mutations), *packets[1:]], sender):
        assert_files_hold_nothing_hostile(advert.host)
