"""Nix's stderr cut into lines a chunk at a time: one decode per chunk, split when asked, an overlong line dropped."""

from __future__ import annotations

from nixswarm.build.line_block import LineBlock

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
        return list(self.feed_block(chunk))

    def end(self) -> list[str]:
        """The stream has ended: its last line, if it had no newline."""
        return list(self.end_block())

    def feed_block(self, chunk: bytes) -> LineBlock:
        """The lines that chunk (at most MAX_LINE bytes) ends, as one block (decoded at once, split when asked)."""
        last = chunk.rfind(b"\n")
        if last < 0:
            self._add(chunk)
            return LineBlock("")
        whole = memoryview(chunk)[: last + 1]  # decoded without a copy; a newline ends any partial character
        if self._rest or self._overlong:  # the first line began in an earlier chunk
            first = chunk.find(b"\n")
            self._add(chunk[:first])
            head = "" if self._overlong else self._rest.decode("utf-8", "replace") + "\n"
            text = head + str(whole[first + 1 :], "utf-8", "replace")
        else:  # the usual: nix writes whole lines, and the chunk before ended with one
            text = str(whole, "utf-8", "replace")
        self._rest, self._overlong = b"", False
        self._add(chunk[last + 1 :])
        return LineBlock(text)

    def end_block(self) -> LineBlock:
        """The stream has ended: its last line, if it had no newline, as a block."""
        rest, overlong = self._rest, self._overlong
        self._rest, self._overlong = b"", False
        return LineBlock(rest.decode("utf-8", "replace") + "\n" if rest and not overlong else "")

    def _add(self, data: bytes) -> None:
        if self._overlong or not data:
            return
        self._rest += data
        if len(self._rest) > MAX_LINE:
            self._rest, self._overlong = b"", True
