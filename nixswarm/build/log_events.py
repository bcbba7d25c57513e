"""One stderr line of `nix --log-format internal-json`, parsed into a typed event; garbage never raises."""

from __future__ import annotations

import functools
import json
import re
from dataclasses import dataclass
from typing import TypeAlias, TypeGuard

__all__ = [
    "MAX_TEXT",
    "ActivityStopped",
    "BuildCounts",
    "BuildStarted",
    "BuildsActivity",
    "Connecting",
    "CopyingOutputs",
    "Event",
    "LogLine",
    "Message",
    "PhaseChanged",
    "PlainText",
    "build_log_line",
    "clean_text",
    "log_text",
    "parse_line",
    "without_controls",
]

MAX_TEXT = 4096
"""Longest text (characters) an event carries; the rest is cut."""
PREFIX = "@nix "
MAX_JSON = 1 << 20
"""Longest `@nix` line (characters) read as JSON; a longer one is plain text."""
MAX_ID = (1 << 64) - 1
"""Largest activity id (Nix's are 64-bit unsigned)."""

# Activity and result types, from Nix's logging.hh (unchanged from 2.8 to current Nix).
ACT_UNKNOWN = 0
ACT_BUILDS = 104
ACT_BUILD = 105
RES_BUILD_LOG_LINE = 101
RES_SET_PHASE = 104
RES_PROGRESS = 105
RES_POST_BUILD_LOG_LINE = 107

_ESCAPES = re.compile(
    r"(?:\x1b\[|\x9b)[0-?]*[ -/]*[@-~]"  # CSI: colours, cursor moves
    r"|(?:\x1b\]|\x9d)[^\x07\x1b\x9c]*(?:\x07|\x9c|\x1b\\)?"  # OSC: titles, hyperlinks
    r"|\x1b[PX^_][^\x1b]*(?:\x1b\\)?"  # DCS, SOS, PM, APC strings
    r"|\x1b[ -/]*[0-~]?"  # any other escape
)
LOG_HEAD = PREFIX + '{"action":"result","fields":["'
LOG_ID = '"],"id":'
LOG_END = ',"type":101}'
"""A builder's log line as every Nix writes it: LOG_HEAD, TEXT, LOG_ID, N, LOG_END, that is
`@nix {"action":"result","fields":["TEXT"],"id":N,"type":101}`."""
_LOG_END_MAX = len(LOG_ID) + 20 + len(LOG_END)
_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_CONNECTING = re.compile(r"connecting to '(.+)'", re.DOTALL)
_COPYING_OUTPUTS = re.compile(r"copying outputs from '(.+)'", re.DOTALL)


@dataclass(frozen=True)
class PlainText:
    """A line that is not an `@nix` event, or one that is malformed (ssh's own errors come this way)."""

    text: str
    """The line, escapes stripped, cut to MAX_TEXT."""


@dataclass(frozen=True)
class BuildStarted:
    """A derivation started building (actBuild)."""

    id: int
    """The activity id; log lines, phases and the stop refer to it."""
    drv: str
    """The .drv store path."""
    machine: str
    """The machine as Nix names it (`ssh-ng://host`); empty when it builds locally."""


@dataclass(frozen=True)
class ActivityStopped:
    """An activity ended; a build when its id came with a BuildStarted."""

    id: int
    """The activity id."""


@dataclass(frozen=True)
class LogLine:
    """One line a builder printed (resBuildLogLine, or resPostBuildLogLine of a post-build hook)."""

    id: int
    """The activity the line belongs to."""
    text: str
    """The line, escapes stripped, cut to MAX_TEXT."""
    post_build: bool
    """True for output of the post-build hook."""


@dataclass(frozen=True)
class PhaseChanged:
    """A build entered a phase (resSetPhase), such as buildPhase."""

    id: int
    """The build activity."""
    phase: str
    """The phase name."""


@dataclass(frozen=True)
class Message:
    """A message Nix logged (action msg): errors, warnings, notes."""

    level: int
    """Nix verbosity: 0 error, 1 warning, 2 notice, 3 info, 4 talkative and higher is chattier."""
    text: str
    """The message, escapes stripped (may span lines), cut to MAX_TEXT."""


@dataclass(frozen=True)
class Connecting:
    """The build hook started connecting to a machine (an actUnknown activity `connecting to '...'`)."""

    id: int
    """The activity id; it stops when the connection is made or has failed."""
    machine: str
    """The machine as Nix names it."""


@dataclass(frozen=True)
class CopyingOutputs:
    """The build hook started copying a finished build's outputs back from a machine."""

    id: int
    """The activity id."""
    machine: str
    """The machine as Nix names it."""


@dataclass(frozen=True)
class BuildsActivity:
    """An activity that counts builds (actBuilds) started; the first one open is the top-level one."""

    id: int
    """The activity id; BuildCounts refer to it."""


@dataclass(frozen=True)
class BuildCounts:
    """A progress report (resProgress): for a BuildsActivity, how many builds are done, running, failed."""

    id: int
    """The activity reporting."""
    done: int
    """Finished successfully."""
    expected: int
    """Expected in all."""
    running: int
    """Running now."""
    failed: int
    """Failed."""


Event: TypeAlias = (
    PlainText
    | BuildStarted
    | ActivityStopped
    | LogLine
    | PhaseChanged
    | Message
    | Connecting
    | CopyingOutputs
    | BuildsActivity
    | BuildCounts
)
"""Everything parse_line returns, besides None."""


class _Malformed(Exception):
    """The line says it is an @nix event but its content does not fit."""


def clean_text(text: str, *, lines: bool = False) -> str:
    """text without terminal escapes or control characters, cut to MAX_TEXT; one line unless lines is true."""
    text = _ESCAPES.sub("", text[: MAX_TEXT * 4])
    if lines:
        text = "\n".join(_CONTROLS.sub("", part) for part in text.split("\n"))
    else:
        text = _CONTROLS.sub("", text.replace("\t", " ").replace("\n", " ")).rstrip()
    return text[:MAX_TEXT]


def without_controls(line: str) -> str:
    """A whole line of nix without control characters (an `@nix` line stays valid JSON: Nix escapes its own)."""
    return _CONTROLS.sub("", line)


def parse_line(line: str) -> Event | None:
    """The event of one stderr line; None for an event nixswarm does not need. Never raises."""
    line = line.rstrip("\r\n")
    if not line.startswith(PREFIX):
        return PlainText(clean_text(line))
    try:
        if len(line) > MAX_JSON:
            raise _Malformed
        data = json.loads(line[len(PREFIX) :])
        if not isinstance(data, dict):
            raise _Malformed
        return _event(data)
    except (_Malformed, ValueError, RecursionError):
        return PlainText(clean_text(line))


def build_log_line(line: str) -> tuple[int, str] | None:
    """The activity and text of a builder's log line in Nix's own layout whose text needs no unescaping (most of
    them), read without json or regex; None for any other line, which parse_line reads. Where it answers,
    parse_line(line) is LogLine(activity, text, False)."""
    if not line.startswith(LOG_HEAD) or len(line) > MAX_JSON:
        return None
    end = line.find('"', len(LOG_HEAD))
    if end < 0 or len(line) - end > _LOG_END_MAX or (activity := _log_activity(line[end:])) is None:
        return None
    text = line[len(LOG_HEAD) : end]
    # it holds no quote (it ends at the first); JSON would unescape a backslash and refuses a control character;
    # printable text holds none of the escapes and controls clean_text takes out
    if "\\" in text or not text.isprintable():
        return None
    return activity, log_text(text)


def log_text(text: str) -> str:
    """The text of a plain log line (printable, nothing to unescape) as its LogLine carries it."""
    return text[: MAX_TEXT * 4].rstrip()[:MAX_TEXT]


@functools.lru_cache(maxsize=64)
def _log_activity(end: str) -> int | None:
    """The activity of a log line's end, `"],"id":N,"type":101}` (a build prints many lines: each end is read once)."""
    digits = end[len(LOG_ID) : -len(LOG_END)]
    if not (end.startswith(LOG_ID) and end.endswith(LOG_END) and digits.isascii() and digits.isdigit()):
        return None
    activity = int(digits)
    return activity if activity <= MAX_ID and (digits[0] != "0" or digits == "0") else None


def _event(data: dict[str, object]) -> Event | None:
    action = data.get("action")
    if action == "start":
        return _start(data)
    if action == "stop":
        return ActivityStopped(_id(data))
    if action == "result":
        return _result(data)
    if action == "msg":
        level, text = data.get("level"), data.get("msg")
        if not _is_int(level) or not isinstance(text, str):
            raise _Malformed
        return Message(level, clean_text(text, lines=True))
    return None


def _start(data: dict[str, object]) -> Event | None:
    kind = data.get("type")
    if kind == ACT_BUILD:
        fields = _fields(data)
        if len(fields) < 2 or not isinstance(fields[0], str) or not isinstance(fields[1], str):
            raise _Malformed
        return BuildStarted(_id(data), clean_text(fields[0]), clean_text(fields[1]))
    if kind == ACT_BUILDS:
        return BuildsActivity(_id(data))
    text = data.get("text")
    if kind == ACT_UNKNOWN and isinstance(text, str):
        if (match := _CONNECTING.fullmatch(text)) is not None:
            return Connecting(_id(data), clean_text(match.group(1)))
        if (match := _COPYING_OUTPUTS.fullmatch(text)) is not None:
            return CopyingOutputs(_id(data), clean_text(match.group(1)))
    return None


def _result(data: dict[str, object]) -> Event | None:
    kind = data.get("type")
    if kind in (RES_BUILD_LOG_LINE, RES_POST_BUILD_LOG_LINE, RES_SET_PHASE):
        fields = _fields(data)
        if not fields or not isinstance(fields[0], str):
            raise _Malformed
        if kind == RES_SET_PHASE:
            return PhaseChanged(_id(data), clean_text(fields[0]))
        return LogLine(_id(data), clean_text(fields[0]), kind == RES_POST_BUILD_LOG_LINE)
    if kind == RES_PROGRESS:
        counts = [f for f in _fields(data)[:4] if _is_int(f)]
        if len(counts) < 4:
            raise _Malformed
        return BuildCounts(_id(data), *counts)
    return None


def _id(data: dict[str, object]) -> int:
    value = data.get("id")
    if not _is_int(value):
        raise _Malformed
    return value


def _fields(data: dict[str, object]) -> list[object]:
    fields = data.get("fields", [])
    if not isinstance(fields, list):
        raise _Malformed
    return fields


def _is_int(value: object) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= MAX_ID
