"""The ssh Host alias of a builder: a reserved prefix so it never collides with the user's names."""

from __future__ import annotations

from collections.abc import Iterable

from nixswarm.errors import ValidationError
from nixswarm.model import validate

ALIAS_PREFIX = "nixswarm-"


def alias_for(name: str) -> str:
    """`nixswarm-name`: the host in the store URI, the ssh Host pattern and the HostKeyAlias.

    A store URI host must be a DNS name, and Nix, ssh and known_hosts compare it in lower case: so lower case,
    '_' (allowed in names, as mDNS instance names have them) becomes '-'.
    """
    return ALIAS_PREFIX + validate.host_name(name).lower().replace("_", "-")


def check_unique_aliases(names: Iterable[str]) -> None:
    """ValidationError naming two hosts whose aliases would be the same (`b_1` and `B-1`)."""
    seen: dict[str, str] = {}
    for name in names:
        alias = alias_for(name)
        if alias in seen and seen[alias] != name:
            raise ValidationError("host name", name, f"has the same ssh alias as {seen[alias]!r} ({alias}); rename one")
        seen[alias] = name
