"""Nix's serialisation and the hook's messages, byte for byte as serialise.cc and derivation-goal.cc write them."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from hypothesis import given
from hypothesis import strategies as st

from nixswarm.hook.messages import Try, encode_settings, read_request, read_settings
from nixswarm.hook.wire import EndOfStream, WireError, WireReader, encode_int, encode_string, encode_strings

DRV = "/nix/store/" + "a" * 32 + "-x.drv"


def trickle(data: bytes, size: int = 1) -> Callable[[int], bytes]:
    """A stream that hands out at most `size` bytes per read, like a pipe under load."""
    view = memoryview(data)
    position = 0

    def read(wanted: int) -> bytes:
        nonlocal position
        chunk = bytes(view[position : position + min(wanted, size)])
        position += len(chunk)
        return chunk

    return read


def test_integers_are_eight_bytes_little_endian() -> None:
    assert encode_int(1) == b"\x01" + bytes(7)
    assert encode_int(0x0102) == b"\x02\x01" + bytes(6)


def test_strings_are_length_prefixed_and_zero_padded_to_eight() -> None:
    assert encode_string("try") == b"\x03" + bytes(7) + b"try" + bytes(5)
    assert encode_string("") == bytes(8)
    assert encode_string("12345678") == b"\x08" + bytes(7) + b"12345678"


def test_a_try_message_has_nix_s_exact_bytes() -> None:
    expected = (
        encode_string("try")
        + b"\x01"
        + bytes(7)
        + encode_string("x86_64-linux")
        + encode_string(DRV)
        + b"\x02"
        + bytes(7)
        + encode_string("big-parallel")
        + encode_string("kvm")
    )
    assert Try(True, "x86_64-linux", DRV, ("big-parallel", "kvm")).encode() == expected


@pytest.mark.parametrize("size", [1, 3, 8, 65536])
def test_the_settings_block_and_a_try_read_back_from_any_chunking(size: int) -> None:
    settings = {"max-jobs": "2", "builders": "ssh://a x86_64-linux;ssh://b", "empty": ""}
    data = encode_settings(settings) + Try(False, "i686-linux", DRV, ("kvm",)).encode()
    reader = WireReader(trickle(data, size))
    assert read_settings(reader) == settings
    assert reader.take_raw() == encode_settings(settings)
    request = read_request(reader)
    assert request is not None
    assert (request.am_willing, request.system, request.drv_path, request.features) == (
        False,
        "i686-linux",
        DRV,
        ("kvm",),
    )
    assert reader.take_raw() == Try(False, "i686-linux", DRV, ("kvm",)).encode()


def test_a_message_other_than_try_reads_as_none() -> None:
    assert read_request(WireReader(trickle(encode_string("exit")))) is None


def test_take_buffered_hands_over_what_was_read_ahead() -> None:
    after_accept = encode_strings(["/nix/store/" + "b" * 32 + "-src"]) + encode_strings(["out"])
    reader = WireReader(trickle(Try(True, "x86_64-linux", DRV, ()).encode() + after_accept, 65536))
    read_request(reader)
    reader.take_raw()
    assert reader.take_buffered() == after_accept


def test_the_end_of_the_stream_says_whether_it_cut_a_value() -> None:
    with pytest.raises(EndOfStream) as clean:
        read_request(WireReader(trickle(b"")))
    assert not clean.value.partial
    with pytest.raises(EndOfStream) as cut:
        read_request(WireReader(trickle(encode_string("try") + b"\x01\x00")))
    assert cut.value.partial


def test_non_zero_padding_is_refused() -> None:
    with pytest.raises(WireError, match="padding"):
        WireReader(trickle(b"\x03" + bytes(7) + b"try\x00\x00\x00\x00\x01")).read_string()


def test_an_absurd_length_is_refused_before_reading_it() -> None:
    with pytest.raises(WireError):
        WireReader(trickle(encode_int(1 << 40))).read_string()


@given(st.lists(st.binary(max_size=40), max_size=6), st.integers(min_value=1, max_value=17))
def test_string_lists_round_trip(values: list[bytes], size: int) -> None:
    assert WireReader(trickle(encode_strings(values), size)).read_strings() == values
