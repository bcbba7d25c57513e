"""Runs of a builder's plain log lines in a block of nix's stderr, each found by one regex match, not line by line."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import groupby

from nixswarm.build.log_events import LOG_END, LOG_HEAD, LOG_ID, MAX_ID, MAX_JSON, MAX_TEXT, log_text

__all__ = ["LogRun", "log_parts"]

_TEXT = r'[^"\\\x00-\x1f\x7f]*'
"""A log line's text that JSON does not escape: no quote, no backslash, no ASCII control."""


def _line(activity: str) -> str:
    return re.escape(LOG_HEAD) + _TEXT + re.escape(LOG_ID) + activity + re.escape(LOG_END) + "\n"


_RUN = re.compile(_line("(0|[1-9][0-9]{0,19})") + "(?:" + _line(r"\1") + ")*")
"""One or more plain log lines of one activity (its digits as Nix writes them, no leading zero), each ended.
Greedy, not possessive: nothing follows either repetition that could make the engine give back part of it, and
Debian 12's Python 3.11.2 matched the possessive form wrongly (runs cut short: tests/unit/test_build_log_runs.py
failed there, passed on 3.11.7)."""
_CUT = re.compile(r"[^\S\n]\n")
"""A text that ends in white space other than a newline (each text followed by one): log_text takes it off."""


@dataclass(frozen=True)
class LogRun:
    """Lines start..stop (each ended by a newline) of a block: a builder's plain log lines, all of one activity.

    Each is a line build_log_line reads: it would give (activity, text) for every one of them."""

    block: str
    """The whole block."""
    start: int
    """Where the first line begins."""
    stop: int
    """Just past the last line's newline."""
    activity: int
    """The activity every line belongs to."""

    def first_line(self) -> str:
        """The first line, as nix wrote it."""
        return self.block[self.start : self.block.index("\n", self.start)]

    def texts(self, *, first: int | None = None, last: int = 0) -> list[str]:
        """The lines' texts as build_log_line gives them, in order: all of them, or only the first `first` and the
        last `last` lines' (each line once)."""
        if first is None:
            return self._all_texts()
        cut = len(LOG_ID) + len(str(self.activity)) + len(LOG_END)
        starts = self._starts(first, last)
        return [log_text(self.block[at + len(LOG_HEAD) : self.block.index("\n", at) - cut]) for at in starts]

    def _all_texts(self) -> list[str]:
        """Every line's text: the run without the parts around the texts (they hold quotes, a text holds none)."""
        around = LOG_ID + str(self.activity) + LOG_END
        texts = self.block[self.start : self.stop].replace(LOG_HEAD, "").replace(around, "")
        split = texts[:-1].split("\n")
        if _CUT.search(texts) is None and max(map(len, split)) <= MAX_TEXT:  # no text log_text would change
            return split
        return [log_text(text) for text in split]

    def _starts(self, first: int, last: int) -> list[int]:
        """Where the first `first` lines and the last `last` lines begin, in order, each once."""
        heads: list[int] = []
        at = self.start
        while len(heads) < first and at < self.stop:
            heads.append(at)
            at = self.block.index("\n", at) + 1
        tails: list[int] = []
        end = self.stop - 1
        while len(tails) < last and end >= at:
            begin = self.block.rfind("\n", at, end) + 1 or at
            tails.append(begin)
            end = begin - 1
        return heads + tails[::-1]


def log_parts(block: str) -> Iterator[str | LogRun]:
    """The block (whole lines, each ended by a newline), in order: runs of plain log lines, and every other line
    by itself (without its newline)."""
    at, simple = 0, block.isascii()
    while at < len(block):
        match = _RUN.match(block, at)
        if match is None or int(match[1]) > MAX_ID:
            end = block.index("\n", at)
            yield block[at:end]
            at = end + 1
            continue
        stop, activity = match.end(), int(match[1])
        printable = simple or block[at:stop].replace("\n", " ").isprintable()  # ASCII: the regex saw to that
        if printable and _short(block, at, stop):
            yield LogRun(block, at, stop, activity)
        else:
            yield from _checked(block, at, stop, activity)
        at = stop


def _short(block: str, start: int, stop: int) -> bool:
    """Whether no line of block[start:stop] (whole lines) is longer than MAX_JSON; a look every MAX_JSON."""
    while stop - 1 - start > MAX_JSON:
        last = block.rfind("\n", start, start + MAX_JSON + 1)
        if last < 0:
            return False
        start = last + 1
    return True


def _checked(block: str, start: int, stop: int, activity: int) -> Iterator[str | LogRun]:
    """The lines the regex took, one by one: runs of those printable and no longer than MAX_JSON, and the others by
    themselves."""
    at, lines = start, block[start : stop - 1].split("\n")
    for plain, group in groupby(lines, key=lambda line: line.isprintable() and len(line) <= MAX_JSON):
        taken = list(group)
        end = at + sum(map(len, taken)) + len(taken)
        if plain:
            yield LogRun(block, at, end, activity)
        else:
            yield from taken
        at = end
