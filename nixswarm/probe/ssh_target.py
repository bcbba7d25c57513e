"""How to reach one host over ssh for a probe: resolved, validated connection settings."""

from __future__ import annotations

from dataclasses import dataclass

from nixswarm.model.host import Host
from nixswarm.model.hostkey import HostKey


@dataclass(frozen=True)
class SshTarget:
    """A host with the defaults filled in."""

    host: Host
    """The host to probe."""
    user: str | None
    """Login user (host's own, else the default); None lets asyncssh use the local user."""
    identity: str | None
    """Private key path; None uses the agent and ~/.ssh/id_*."""
    approved_key: HostKey | None
    """The key the user approved; the connection is refused if the host presents another."""
    timeout: float = 3.0
    """Limit for the whole probe of this host, seconds."""


def target_for(
    host: Host, *, user: str | None, identity: str | None, approved: HostKey | None, timeout: float
) -> SshTarget:
    """The host's own user and key win over the defaults."""
    return SshTarget(host, host.user or user, host.identity_file or identity, approved, timeout)
