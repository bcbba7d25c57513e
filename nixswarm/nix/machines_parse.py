"""Parse a machines file or --builders string the way Nix does, flagging every known trap."""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from nixswarm.errors import MachinesFileError, Problem, ValidationError
from nixswarm.model.hostkey import HostKey
from nixswarm.model.nixversion import NIX_2_8, NixVersion
from nixswarm.nix.entry import MachineEntry, Scheme

_URI = re.compile(
    r"(?:(?P<scheme>[a-z][a-z0-9+.-]*)://)?(?:(?P<user>[^@/?#]*)@)?(?P<host>\[[^\]]*\]|[^:/?#@]*)"
    r"(?::(?P<port>[^/?#]*))?(?:\?(?P<query>.*))?"
)
_COLUMN = (
    "store URI",
    "systems",
    "ssh key",
    "maxJobs",
    "speedFactor",
    "supported features",
    "mandatory features",
    "host key",
)
_SEPARATORS = re.compile(r"[ \t\r]+")  # exactly Nix's whitespace: other control characters stay in a token
MAX_INCLUDE_DEPTH = 8


@dataclass(frozen=True)
class ParsedEntry:
    """An entry and where it was read."""

    entry: MachineEntry
    """The builder."""
    origin: str
    """The file or `--builders`."""
    line: int
    """1-based line number in origin."""


@dataclass
class ParseResult:
    """Every good entry and every problem found."""

    entries: list[ParsedEntry] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    def raise_for_problems(self) -> list[MachineEntry]:
        """The entries, or MachinesFileError listing every bad line."""
        if self.problems:
            raise MachinesFileError(self.problems)
        return [p.entry for p in self.entries]


def read_text_file(path: str) -> str | None:
    """Read an include as Nix does; None when it does not exist."""
    try:
        return Path(path).read_bytes().decode("utf-8")
    except FileNotFoundError:
        return None


def parse_machines(
    text: str,
    origin: str,
    *,
    nix: NixVersion = NIX_2_8,
    read_include: Callable[[str], str | None] = read_text_file,
) -> ParseResult:
    """Parse machines text for the given Nix version (default 2.8, the strictest)."""
    parser = _Parser(nix, read_include)
    parser.parse(text, origin, (origin,))
    return parser.result


@dataclass
class _Parser:
    nix: NixVersion
    read_include: Callable[[str], str | None]
    result: ParseResult = field(default_factory=ParseResult)

    def problem(self, origin: str, line: int, message: str) -> None:
        self.result.problems.append(Problem(origin, line, message))

    def parse(self, text: str, origin: str, chain: tuple[str, ...]) -> None:
        for number, line in enumerate(text.split("\n"), start=1):
            problem = _line_problem(line, self.nix)
            if problem:
                self.problem(origin, number, problem)
                continue
            entries = line if self.nix.semicolon_ends_comment else line.split("#", 1)[0]  # 2.29: to end of line
            for piece in entries.split(";"):
                self.piece(piece.split("#", 1)[0], origin, number, chain)

    def piece(self, body: str, origin: str, number: int, chain: tuple[str, ...]) -> None:
        if body == "":
            return
        if not body.strip():
            self.problem(origin, number, "an empty entry (a trailing ';' or '; '): Nix 2.8 fails on it")
            return
        if body.lstrip().startswith("@"):
            if not body.startswith("@"):
                self.problem(
                    origin, number, f"{body.strip()!r} after a space: Nix 2.8 takes it as a local store, not an include"
                )
                return
            self.include(body[1:].strip(), origin, number, chain)
            return
        try:
            entry = parse_entry(body, self.nix)
        except ValidationError as err:
            self.problem(origin, number, err.message)
            return
        self.result.entries.append(ParsedEntry(entry, origin, number))

    def include(self, path: str, origin: str, number: int, chain: tuple[str, ...]) -> None:
        if not path.startswith("/"):
            self.problem(origin, number, f"include @{path}: the path must be absolute")
            return
        if path in chain or len(chain) > MAX_INCLUDE_DEPTH:
            self.problem(origin, number, f"include @{path}: includes itself (Nix would recurse forever)")
            return
        try:
            text = self.read_include(path)
        except UnicodeDecodeError:
            self.problem(origin, number, f"include @{path}: not UTF-8 text")
            return
        except OSError as err:
            self.problem(origin, number, f"include @{path}: cannot read it ({err.strerror})")
            return
        if text is None:
            self.problem(origin, number, f"include @{path}: no such file (Nix skips it without a word)")
            return
        self.parse(text, path, (*chain, path))


def _line_problem(line: str, nix: NixVersion) -> str | None:
    if "\0" in line:
        return "contains a NUL character"
    if len(line) > 16384:
        return "longer than 16384 characters"
    comment = line.find("#")
    if comment >= 0 and ";" in line[comment:] and nix.semicolon_ends_comment:
        return "';' inside a comment: Nix before 2.29 reads what follows it as another builder"
    return None


def parse_entry(text: str, nix: NixVersion = NIX_2_8) -> MachineEntry:
    """One entry: whitespace-separated columns, '-' or absent for a default."""
    tokens = [t for t in _SEPARATORS.split(text) if t]
    if len(tokens) > 8:
        raise ValidationError("machines entry", text, f"{len(tokens)} columns, Nix reads at most 8")
    columns = [t if t not in ("", "-") else None for t in tokens] + [None] * (8 - len(tokens))
    uri = tokens[0]
    scheme, user, host, port, params = _parse_uri(uri, nix)
    return MachineEntry(
        host=host,
        scheme=scheme,
        user=user,
        port=port,
        params=params,
        systems=tuple(columns[1].split(",")) if columns[1] else (),
        ssh_key=columns[2],
        max_jobs=_column_int(columns[3], 4),
        speed_factor=_column_speed(columns[4], nix),
        supported_features=tuple(columns[5].split(",")) if columns[5] else (),
        mandatory_features=tuple(columns[6].split(",")) if columns[6] else (),
        host_key=HostKey.from_column8(columns[7]) if columns[7] else None,
    )


def _parse_uri(uri: str, nix: NixVersion) -> tuple[Scheme, str | None, str, int | None, tuple[tuple[str, str], ...]]:
    match = _URI.fullmatch(uri)
    if match is None:
        raise ValidationError("store URI", uri, "not a store URI like ssh-ng://user@host")
    scheme: Scheme
    if match["scheme"] in (None, "ssh"):
        scheme = "ssh"
    elif match["scheme"] == "ssh-ng":
        scheme = "ssh-ng"
    else:
        raise ValidationError("store URI", uri, "nixswarm manages ssh:// and ssh-ng:// builders only")
    host = match["host"]
    if host.startswith("["):
        host = host[1:-1]
    if not host:
        raise ValidationError("store URI", uri, "no host")
    port: int | None = None
    if match["port"] is not None:
        if not _whole_number(match["port"]):
            raise ValidationError("store URI", uri, "the port is not a number")
        if not nix.port_in_store_uri:
            raise ValidationError(
                "store URI", uri, f"Nix {nix} tries to resolve 'host:port': use an ssh Host alias with Port"
            )
        port = int(match["port"])
    params: list[tuple[str, str]] = []
    if match["query"]:
        for pair in match["query"].split("&"):
            key, sep, value = pair.partition("=")
            if not sep:
                raise ValidationError("store URI", uri, f"parameter {key!r} has no '='")
            params.append((key, value))
    return scheme, match["user"] or None, host, port, tuple(params)


def _whole_number(text: str) -> bool:
    """ASCII digits only: str.isdigit() also takes superscripts (int() refuses them) and other scripts' digits."""
    return text.isascii() and text.isdigit()


def _column_int(value: str | None, column: int) -> int:
    if value is None:
        return 1
    if not _whole_number(value):
        raise ValidationError(f"column {column} ({_COLUMN[column - 1]})", value, "must be a whole number")
    return int(value)


def _column_speed(value: str | None, nix: NixVersion) -> float:
    if value is None:
        return 1.0
    if _whole_number(value):
        return float(int(value))
    if not nix.float_speed_factor:
        raise ValidationError(
            "column 5 (speedFactor)", value, f"Nix {nix} needs a whole number ('failed to convert column #4')"
        )
    try:
        if not value.isascii() or "_" in value:  # float() also takes other scripts' digits and '1_5'
            raise ValueError(value)
        number = float(value)
    except ValueError:
        raise ValidationError("column 5 (speedFactor)", value, "must be a number") from None
    if not math.isfinite(number):
        raise ValidationError("column 5 (speedFactor)", value, "must be a finite number")
    return number
