"""Nix's stderr cut into lines a chunk at a time: one decode and one split per chunk, an overlong line dropped."""

from __future__ import annotations

__all__ = ["MAX_LINE", "StderrLines"]

MAX_LINE = 1 << 20
"""Longest line (bytes) kept; a longer one is dropped whole."""


class StderrLines:
    """Turns the chunks of a byte stream into its lines, decoded as UTF-8 (bad bytes replaced), newlines cut."""

    def __init__(self) -> None:
        self._rest = b""
        """The start of a line not ended yet."""
        self._overlong = False
        """The line being read is over MAX_LINE: the rest of it, up to its newline, is dropped."""

    def feed(self, chunk: bytes) -> list[str]:
        """The lines that chunk (at most MAX_LINE bytes) ends, oldest first."""
        last = chunk.rfind(b"\n")
        if last < 0:
            self._add(chunk)
            return []
        first = chunk.find(b"\n")
        self._add(chunk[:first])
        lines = [] if self._overlong else [self._rest.decode("utf-8", "replace")]
        self._rest, self._overlong = b"", False
        if first < last:
            lines += chunk[first + 1 : last].decode("utf-8", "replace").split("\n")
        self._add(chunk[last + 1 :])
        return lines

    def end(self) -> list[str]:
        """The stream has ended: its last line, if it had no newline."""
        rest, overlong = self._rest, self._overlong
        self._rest, self._overlong = b"", False
        return [rest.decode("utf-8", "replace")] if rest and not overlong else []

    def _add(self, data: bytes) -> None:
        if self._overlong or not data:
            return
        self._rest += data
        if len(self._rest) > MAX_LINE:
            self._rest, self._overlong = b"", True
