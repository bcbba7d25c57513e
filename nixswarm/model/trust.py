"""Trust on first use: a host key is unknown until approved, and a changed key is refused."""

from __future__ import annotations

from enum import StrEnum

from nixswarm.model.hostkey import HostKey


class TrustState(StrEnum):
    """Whether a host's key may be used."""

    UNKNOWN = "unknown"
    APPROVED = "approved"
    CHANGED = "changed"


def trust_state(approved: HostKey | None, presented: HostKey | None) -> TrustState:
    """Compare the key the user approved with the one the host presents now."""
    if approved is None:
        return TrustState.UNKNOWN
    if presented is None or presented == approved:
        return TrustState.APPROVED
    return TrustState.CHANGED
