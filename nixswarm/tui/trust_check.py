"""Trust on first use, as the trust dialog shows it: the key presented now against the approved one."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from nixswarm.model.hostkey import HostKey


class Verdict(StrEnum):
    """What the user may do with the presented key."""

    NEW = "new"
    """No key approved yet: one confirmation approves it."""
    SAME = "same"
    """The approved key: nothing to do."""
    CHANGED = "changed"
    """Another key than the approved one: only an explicit, typed confirmation replaces it."""


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
    def verdict(self) -> Verdict:
        """New, the same, or changed."""
        if self.approved is None:
            return Verdict.NEW
        return Verdict.SAME if self.approved == self.presented else Verdict.CHANGED

    @property
    def advert_differs(self) -> bool:
        """The advert named another key than the one presented."""
        return self.advertised is not None and self.advertised != self.presented.fingerprint

    def confirms(self, typed: str) -> bool:
        """Whether typed text is the explicit confirmation a changed key needs: the host's name."""
        return self.verdict is Verdict.CHANGED and typed.strip() == self.name
