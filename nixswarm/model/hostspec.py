"""Parse `[USER@]ADDR[:PORT]` as typed on the command line (IPv6 in brackets)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from nixswarm.errors import ValidationError
from nixswarm.model import validate

_SPEC = re.compile(r"(?:(?P<user>[^@]+)@)?(?:\[(?P<v6>[^\]]+)\]|(?P<addr>[^:@\[\]]+))(?::(?P<port>\d{1,5}))?")


@dataclass(frozen=True)
class HostSpec:
    """A host as the user typed it."""

    address: str
    """Normalised address or DNS name."""
    user: str | None = None
    """The user before '@'."""
    port: int | None = None
    """The port after ':'."""


def parse_host_spec(text: str) -> HostSpec:
    """`host`, `user@host`, `host:2222`, `user@[fe80::1%eth0]:22`, or a bare IPv6 address."""
    if not isinstance(text, str):
        raise ValidationError("host", text, "expected text")
    if text.count(":") > 1 and "[" not in text:
        login, _, addr = text.rpartition("@")
        return HostSpec(validate.address(addr), validate.user(login) if login else None)
    match = _SPEC.fullmatch(text)
    if match is None:
        raise ValidationError("host", text, "expected [USER@]ADDRESS[:PORT]")
    address = validate.address(match["v6"] or match["addr"] or "")
    user = validate.user(match["user"]) if match["user"] else None
    port = validate.port(int(match["port"])) if match["port"] else None
    return HostSpec(address, user, port)


def default_name(address: str) -> str:
    """A host name derived from an address: the address itself, IPv6 colons as '-'."""
    name = address.split("%", 1)[0].replace(":", "-").strip("-") or "host"
    return validate.host_name(name[: validate.MAX_NAME].strip("-._"))
