"""Nix's serialisation (serialise.cc): 8-byte little-endian integers, padded length-prefixed strings, string lists."""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Iterable

MAX_STRING = 64 << 20
"""Longest string accepted (Nix has no limit; store paths and settings are far shorter)."""
CHUNK = 65536


class WireError(ValueError):
    """Bytes that are not Nix's serialisation (non-zero padding, absurd lengths)."""


class EndOfStream(EOFError):
    """The stream ended; `partial` says whether it ended inside a value."""

    def __init__(self, partial: bool) -> None:
        super().__init__("the stream ended inside a value" if partial else "the stream ended")
        self.partial = partial


def encode_int(value: int) -> bytes:
    """An unsigned 64-bit integer, little-endian."""
    return value.to_bytes(8, "little")


def encode_string(value: bytes | str) -> bytes:
    """Length, bytes, zero padding to a multiple of 8."""
    data = value.encode("utf-8", "surrogateescape") if isinstance(value, str) else value
    return encode_int(len(data)) + data + bytes(-len(data) % 8)


def encode_strings(values: Iterable[bytes | str]) -> bytes:
    """Count, then each string."""
    items = list(values)
    return encode_int(len(items)) + b"".join(encode_string(v) for v in items)


class WireReader:
    """Reads Nix values from a byte stream a chunk at a time, keeping the raw bytes of what it consumed."""

    def __init__(self, read: Callable[[int], bytes]) -> None:
        self._read = read
        self._buffer = bytearray()
        self._pos = 0

    def _need(self, count: int) -> bytes:
        while len(self._buffer) - self._pos < count:
            chunk = self._read(CHUNK)
            if not chunk:
                raise EndOfStream(partial=bool(self._buffer))
            self._buffer += chunk
        data = bytes(self._buffer[self._pos : self._pos + count])
        self._pos += count
        return data

    def read_int(self) -> int:
        """One unsigned 64-bit integer."""
        return int.from_bytes(self._need(8), "little")

    def read_string(self) -> bytes:
        """One string, its padding checked."""
        length = self.read_int()
        if length > MAX_STRING:
            raise WireError(f"a string of {length} bytes")
        data = self._need(length)
        if any(self._need(-length % 8)):
            raise WireError("non-zero padding")
        return data

    def read_strings(self) -> list[bytes]:
        """A counted list of strings."""
        count = self.read_int()
        if count > MAX_STRING:
            raise WireError(f"a list of {count} strings")
        return [self.read_string() for _ in range(count)]

    def take_raw(self) -> bytes:
        """The bytes consumed since the last call (to replay them verbatim elsewhere)."""
        raw = bytes(self._buffer[: self._pos])
        del self._buffer[: self._pos]
        self._pos = 0
        return raw

    def take_buffered(self) -> bytes:
        """Everything read from the stream and not yet handed out, consumed or not."""
        raw = bytes(self._buffer)
        self._buffer.clear()
        self._pos = 0
        return raw
