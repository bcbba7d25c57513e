"""Strict patterns for every piece of untrusted text that can reach a written file."""

from __future__ import annotations

import ipaddress
import math
import re

from nixswarm.errors import ValidationError

LOCAL = "local"
"""The name of this machine wherever machines are named (the TUI's host table, build lanes and summaries), so no
host may take it."""
MAX_NAME = 54
"""A host name's length limit: its ssh alias `nixswarm-NAME` must still be a DNS label (63 characters at most)."""
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9_-]*[A-Za-z0-9])?"
_NAME = re.compile(rf"(?=.{{1,{MAX_NAME}}}$){_LABEL}(?:\.{_LABEL})*")
_USER = re.compile(r"[A-Za-z_][A-Za-z0-9_.-]{0,31}")
_DNS_LABEL = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?")
_SCOPE = re.compile(r"[A-Za-z0-9_.-]{1,15}")
_SYSTEM = re.compile(r"[a-z0-9_]{1,32}(?:-[a-z0-9_]{1,32}){1,3}")
_FEATURE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.+-]{0,63}")
_PATH = re.compile(r"/[A-Za-z0-9_./+-]{0,4095}")
_PROGRAM = re.compile(r"(?=.{1,1024}$)(?:(?:/[A-Za-z0-9_.-]{1,255})+|[A-Za-z0-9][A-Za-z0-9_.-]{0,63})")

MAX_JOBS_LIMIT = 1024
SPEED_FACTOR_LIMIT = 10_000.0
MAX_LOAD_LIMIT = 1024.0


def _text(field: str, value: object) -> str:
    if not isinstance(value, str):
        raise ValidationError(field, value, f"expected text, got {type(value).__name__}")
    return value


def _match(field: str, value: object, pattern: re.Pattern[str], reason: str) -> str:
    text = _text(field, value)
    if not pattern.fullmatch(text):
        raise ValidationError(field, text, reason)
    return text


def name(value: object, field: str) -> str:
    """Dot-separated parts of letters, digits, '_' and '-', at most MAX_NAME characters in all (a theme's name)."""
    reason = f"use 1-{MAX_NAME} letters, digits, '.', '_' or '-'; each dot-separated part starts and ends alphanumeric"
    return _match(field, value, _NAME, reason)


def host_name(value: object, field: str = "host name") -> str:
    """A host's name: a name, other than LOCAL."""
    text = name(value, field)
    if text == LOCAL:
        raise ValidationError(field, text, f"{LOCAL!r} names this machine; choose another name")
    return text


def user(value: object, field: str = "user") -> str:
    """A login name as ssh and Nix's store URIs accept it."""
    return _match(field, value, _USER, "use at most 32 letters, digits, '.', '_' or '-', not starting with a digit")


def address(value: object, field: str = "address") -> str:
    """An IPv4 or IPv6 address (scope id allowed) or a DNS name; returns its normal form."""
    text = _text(field, value)
    if not text or len(text) > 253:
        raise ValidationError(field, text, "must be 1-253 characters")
    if ":" in text:
        addr, _, scope = text.partition("%")
        try:
            ip6 = ipaddress.IPv6Address(addr)
        except ValueError:
            raise ValidationError(field, text, "not a valid IPv6 address") from None
        if scope and not _SCOPE.fullmatch(scope):
            raise ValidationError(field, text, "bad IPv6 scope id")
        return f"{ip6.compressed}%{scope}" if scope else ip6.compressed
    if text.replace(".", "").isdigit():
        try:
            return str(ipaddress.IPv4Address(text))
        except ValueError:
            raise ValidationError(field, text, "not a valid IPv4 address") from None
    labels = text.rstrip(".").split(".")
    if not all(_DNS_LABEL.fullmatch(label) for label in labels):
        raise ValidationError(field, text, "not an IP address or a DNS name of letters, digits and '-'")
    return text.rstrip(".").lower()


def port(value: object, field: str = "port") -> int:
    """A TCP port, 1-65535."""
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 65535:
        raise ValidationError(field, value, "must be a whole number from 1 to 65535")
    return value


def system(value: object, field: str = "system") -> str:
    """A Nix system double such as x86_64-linux."""
    return _match(field, value, _SYSTEM, "expected a Nix system such as x86_64-linux")


def feature(value: object, field: str = "feature") -> str:
    """A Nix system feature such as big-parallel or kvm."""
    return _match(field, value, _FEATURE, "use letters, digits, '.', '_', '+' or '-', at most 64 characters")


def abs_path(value: object, field: str = "path") -> str:
    """An absolute path with no spaces, quotes, '%', '~' or control characters."""
    return _match(field, value, _PATH, "must be an absolute path of letters, digits, '/', '.', '_', '+' or '-'")


def remote_program(value: object, field: str = "remote program") -> str:
    """The Nix program ssh runs on a builder (`?remote-program=`): an absolute path, or a program name its PATH finds.

    Nix hands it to the builder's shell and percent-decodes it in the URI: so no spaces, quotes, shell
    metacharacters, '%' or '+', and a bare name never starts like an option."""
    reason = "must be an absolute path or a program name of letters, digits, '/', '.', '_' or '-'"
    return _match(field, value, _PROGRAM, reason)


def max_jobs(value: object, field: str = "max jobs") -> int:
    """Build slots on a host: 1-1024 (leave a host out to disable it; 0 makes Nix wait forever)."""
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_JOBS_LIMIT:
        raise ValidationError(field, value, f"must be a whole number from 1 to {MAX_JOBS_LIMIT}")
    return value


def speed_factor(value: object, field: str = "speed factor") -> float:
    """Nix's relative speed of a host: a positive number up to 10000."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValidationError(field, value, "must be a number")
    number = float(value)
    if not 0 < number <= SPEED_FACTOR_LIMIT:
        raise ValidationError(field, value, f"must be above 0 and at most {SPEED_FACTOR_LIMIT:g}")
    return number


def max_load(value: object, field: str = "max load") -> float:
    """An owner's load limit, a 1-minute load average: a finite number above 0, at most 1024."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValidationError(field, value, "must be a number")
    number = float(value)
    if not math.isfinite(number) or not 0 < number <= MAX_LOAD_LIMIT:
        raise ValidationError(field, value, f"must be above 0 and at most {MAX_LOAD_LIMIT:g}")
    return number


def systems(values: object, field: str = "systems") -> tuple[str, ...]:
    """A list of systems, deduplicated in order."""
    return _dedup(system(v, field) for v in _seq(field, values))


def features(values: object, field: str = "features") -> tuple[str, ...]:
    """A list of features, deduplicated in order."""
    return _dedup(feature(v, field) for v in _seq(field, values))


def _seq(field: str, values: object) -> tuple[object, ...]:
    if isinstance(values, str | bytes) or not isinstance(values, list | tuple | frozenset | set):
        raise ValidationError(field, values, "expected a list")
    if len(values) > 64:
        raise ValidationError(field, values, "more than 64 entries")
    return tuple(values)


def _dedup(items: object) -> tuple[str, ...]:
    seen: dict[str, None] = {}
    for item in items:  # type: ignore[attr-defined]
        seen.setdefault(item, None)
    return tuple(seen)
