"""Trust on first use, one rule for both faces: a new key needs a yes, a changed key a named confirmation."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from nixswarm.model.hostkey import HostKey


class TrustState(StrEnum):
    """Whether a host's key may be used."""

    UNKNOWN = "unknown"
    """No key approved yet."""
    APPROVED = "approved"
    """The approved key (or no key seen yet to compare)."""
    CHANGED = "changed"
    """Another key than the approved one: never used until the user replaces the approval."""


class Consent(StrEnum):
    """What the user said to the presented key."""

    APPROVE = "approve"
    """A plain yes (a key press, `y`, or `--fingerprint` naming the key): enough for a key never approved."""
    REPLACE = "replace"
    """The explicit, named confirmation that replaces an approved key: the host's name typed in the TUI,
    `--fingerprint NEW --replace` on the command line."""


def trust_state(approved: HostKey | None, presented: HostKey | None) -> TrustState:
    """Compare the key the user approved with the one the host presents now."""
    if approved is None:
        return TrustState.UNKNOWN
    if presented is None or presented == approved:
        return TrustState.APPROVED
    return TrustState.CHANGED


@dataclass(frozen=True)
class KeyCheck:
    """A host's presented key, compared with what was approved and what was advertised."""

    name: str
    """The host."""
    where: str
    """`address:port` the key was fetched from."""
    presented: HostKey
    """The key the host presents now."""
    approved: HostKey | None
    """The key approved earlier."""
    advertised: str | None
    """The fingerprint the host advertised (mDNS, or column 8 of an imported file)."""

    @property
    def state(self) -> TrustState:
        """Unknown (new), approved (the same), or changed."""
        return trust_state(self.approved, self.presented)

    @property
    def advert_differs(self) -> bool:
        """The advert named another key than the one presented."""
        return self.advertised is not None and self.advertised != self.presented.fingerprint

    def approves(self, consent: Consent | None) -> bool:
        """The one policy of both faces: any consent approves a new key, only REPLACE a changed one; an approved
        key needs nothing."""
        state = self.state
        if state is TrustState.UNKNOWN:
            return consent is not None
        return state is TrustState.CHANGED and consent is Consent.REPLACE

    def confirms(self, typed: str) -> bool:
        """Whether typed text is the TUI's named confirmation of a changed key: the host's name."""
        return self.state is TrustState.CHANGED and typed.strip() == self.name
