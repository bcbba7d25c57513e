"""Read back the Host blocks of nixswarm's own ssh config: where each `nixswarm-NAME` alias really goes."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from nixswarm.errors import ValidationError
from nixswarm.model import validate
from nixswarm.ssh.alias import ALIAS_PREFIX


@dataclass(frozen=True)
class AliasTarget:
    """What one alias's Host block says (each value validated as the writer validates it)."""

    address: str
    """HostName, with ssh's `%%` undone."""
    port: int = 22
    user: str | None = None
    identity_file: str | None = None


_KEYS = {"hostname", "port", "user", "identityfile"}


def read_aliases(text: str) -> dict[str, AliasTarget]:
    """alias -> target for each `Host nixswarm-NAME` block that names a valid HostName; other blocks are skipped.

    The file is nixswarm's, but anyone may have edited it: a block with an invalid value is left out, not trusted.
    """
    blocks: dict[str, dict[str, str]] = {}
    current: dict[str, str] | None = None
    for line in text.splitlines():
        words = line.split()
        if len(words) != 2 or words[0].startswith("#"):
            continue
        key, value = words[0].lower(), words[1]
        if key == "host":
            current = blocks.setdefault(value, {}) if value.startswith(ALIAS_PREFIX) else None
        elif current is not None and key in _KEYS:
            current.setdefault(key, value)
    found = {}
    for alias, block in blocks.items():
        try:
            found[alias] = _target(block)
        except (ValidationError, KeyError):
            continue
    return found


def read_aliases_file(path: Path) -> dict[str, AliasTarget]:
    """read_aliases of the file at path; none when it is missing or unreadable."""
    try:
        return read_aliases(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError):
        return {}


def _target(block: dict[str, str]) -> AliasTarget:
    user, identity, port = block.get("user"), block.get("identityfile"), block.get("port", "22")
    if not (port.isascii() and port.isdigit()):
        raise ValidationError("port", port, "not a port number")
    return AliasTarget(
        address=validate.address(block["hostname"].replace("%%", "%")),
        port=validate.port(int(port)),
        user=validate.user(user) if user is not None else None,
        identity_file=validate.abs_path(identity) if identity is not None else None,
    )
