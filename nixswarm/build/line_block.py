"""A batch of stderr lines kept as the one text they were read as, split into lines only when someone asks."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import overload

__all__ = ["LineBlock", "block_text"]


class LineBlock(Sequence[str]):
    """Whole lines: a Sequence of the lines (no newlines), kept as text, every line ended by a newline."""

    __slots__ = ("_lines", "text")

    def __init__(self, text: str) -> None:
        """text is empty, or whole lines each ended by a newline."""
        if text and not text.endswith("\n"):
            raise ValueError("a LineBlock holds whole lines only")
        self.text = text
        self._lines: list[str] | None = None

    def _split(self) -> list[str]:
        if self._lines is None:
            self._lines = self.text[:-1].split("\n") if self.text else []
        return self._lines

    def __len__(self) -> int:
        return len(self._split())

    @overload
    def __getitem__(self, index: int) -> str: ...

    @overload
    def __getitem__(self, index: slice) -> list[str]: ...

    def __getitem__(self, index: int | slice) -> str | list[str]:
        return self._split()[index]

    def __iter__(self) -> Iterator[str]:
        return iter(self._split())

    def __repr__(self) -> str:
        return f"LineBlock({self.text!r})"


def block_text(lines: Sequence[str]) -> str | None:
    """The lines as one text, each ended by a newline; None when a line holds a newline of its own."""
    if isinstance(lines, LineBlock):
        return lines.text
    if not lines:
        return ""
    text = "\n".join(lines) + "\n"
    return text if text.count("\n") == len(lines) else None
