"""Where a derivation should build: decline it (Nix builds it here) or ask the real hook (a remote builder)."""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from nixswarm.hook.ledger import Placed

LOCAL = "local"
"""Answer `# decline`: Nix builds here, now or (no free local slot) once a local slot frees."""
REMOTE = "remote"
"""Forward the "try" to the real hook."""


def decide(share: float, local: int, remote: int, *, free_slot: bool, local_ok: bool, prior: str | None) -> str:
    """LOCAL or REMOTE for one "try".

    share: the wanted local share W. local, remote: derivations already placed (this one excluded).
    free_slot: a local slot is free (Nix's amWilling, less the slots that derivations just sent local will take).
    local_ok: this machine can build it (system, features, max-jobs > 0).
    prior: where an earlier "try" of the same derivation went (Nix asks again after waiting for a slot).
    """
    if not local_ok or share <= 0:
        return REMOTE
    if share >= 1:
        # prefer local: fill the local slots first; the rest goes to the real hook
        return LOCAL if free_slot else REMOTE
    if prior is not None:
        return prior
    # a quota: local while the local share (counting this one) stays within W; may wait for a local slot
    return LOCAL if local < share * (local + remote + 1) else REMOTE


OVERFLOW_SLACK = 0.1
"""How far past the quota a remote-bound derivation may overflow to a free local slot (the requested share is
a promise within 15 points; overflow keeps a saturated remote side from idling the local machine)."""


def forwarded_am_willing(share: float, am_willing: bool, free_slot: bool, local: int = 0, remote: int = 0) -> bool:
    """The amWilling the real hook gets: when 0 it postpones a derivation it has no slot for, rather than decline.

    local, remote: derivations already placed (this one excluded), for the quota's overflow limit.
    """
    if share <= 0:
        return False  # remote only
    if share >= 1:
        # Nix's own overflow: a declined derivation waits for a local slot and is asked again whenever a build
        # ends, sooner than a postponed one (asked again every build-poll-interval, 5 s)
        return am_willing
    # the quota's remote share goes local only to a slot nobody claimed, and only a little past the quota
    return free_slot and local < (share + OVERFLOW_SLACK) * (local + remote + 1)


def outcome(reply: str) -> str | None:
    """Where the real hook's reply sends the derivation; None for `postpone` (Nix asks again later)."""
    if reply == "accept":
        return REMOTE
    if reply in ("decline", "decline-permanently"):
        return LOCAL
    return None


def tally(placed: Placed, drv_path: str) -> tuple[int, int]:
    """(local, remote) counts of the ledger's entries other than drv_path (remote: `remote` or `remote:<host>`)."""
    local = sum(1 for drv, (where, _) in placed.items() if where == LOCAL and drv != drv_path)
    remote = sum(1 for drv, (where, _) in placed.items() if where != LOCAL and drv != drv_path)
    return local, remote
