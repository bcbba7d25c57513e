"""The ssh Host alias of a builder: a reserved prefix so it never collides with the user's names."""

from __future__ import annotations

from nixswarm.model import validate

ALIAS_PREFIX = "nixswarm-"


def alias_for(name: str) -> str:
    """`nixswarm-NAME`: the host in the store URI, the ssh Host pattern and the HostKeyAlias."""
    return ALIAS_PREFIX + validate.host_name(name)
