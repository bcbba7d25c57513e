"""Errors that carry a title, a message and the exit code the CLI ends with."""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum


class ExitCode(IntEnum):
    """Documented exit codes of the `nixswarm` command."""

    OK = 0
    BUILD_FAILED = 1
    USAGE = 2
    NO_BUILDER = 3
    INTERRUPTED = 130


class NixswarmError(Exception):
    """A failure to show the user: a short title and a message naming what was wrong."""

    title = "nixswarm error"
    exit_code = ExitCode.USAGE

    def __init__(self, message: str, *, title: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if title is not None:
            self.title = title

    def __str__(self) -> str:
        return self.message


class ValidationError(NixswarmError, ValueError):
    """Untrusted text that does not fit the pattern of the field it was meant for."""

    title = "Invalid value"

    def __init__(self, field: str, value: object, reason: str) -> None:
        self.field = field
        self.value = value
        self.reason = reason
        super().__init__(f"invalid {field} {_shown(value)}: {reason}")


class ConfigError(NixswarmError):
    """A config or state file that cannot be read; it names the file and the key or line."""

    title = "Configuration error"


class MachinesFileError(NixswarmError):
    """A machines file or --builders string with lines Nix would reject or misread."""

    title = "Bad machines file"

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


class ConnectionFailure(NixswarmError):
    """No usable builder or a connection that failed."""

    title = "Connection failed"
    exit_code = ExitCode.NO_BUILDER


@dataclass(frozen=True)
class Problem:
    """One bad line of a machines file: where it is and what is wrong with it."""

    origin: str
    """The file (or `--builders`) the line came from."""
    line: int
    """1-based line number within origin."""
    message: str
    """What is wrong, in words a user can act on."""

    def __str__(self) -> str:
        return f"{self.origin}:{self.line}: {self.message}"


def _shown(value: object) -> str:
    """Render a hostile value so that it cannot break the line it is printed on."""
    text = repr(value)
    if len(text) > 80:
        text = text[:77] + "..."
    return text
