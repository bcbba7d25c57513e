"""Which machines Nix would consider for a derivation, and which it would pick first."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from nixswarm.hook.hosts import machine_refusal


@dataclass(frozen=True)
class Candidate:
    """A machine as the build hook sees it."""

    name: str
    """For display."""
    systems: tuple[str, ...]
    """Column 2."""
    supported_features: tuple[str, ...]
    """Column 6."""
    mandatory_features: tuple[str, ...]
    """Column 7."""
    speed_factor: float = 1.0
    """Column 5."""
    load: int = 0
    """Slots in use now."""
    max_jobs: int = 1
    """Column 4."""


@dataclass(frozen=True)
class Verdict:
    """Whether one machine could take the derivation, and if not, why."""

    candidate: Candidate
    """The machine."""
    reason: str | None
    """None when eligible; otherwise why Nix would skip it."""


def judge(candidate: Candidate, system: str, required: Sequence[str]) -> Verdict:
    """Nix's eligibility rules (the scheduler's own, hook/hosts.py): system listed, required within
    supported+mandatory, mandatory within required; then a free slot."""
    reason = machine_refusal(
        candidate.systems, candidate.supported_features, candidate.mandatory_features, system, required
    )
    if reason is not None:
        if system != "builtin" and system not in candidate.systems:
            reason += f" (it builds: {', '.join(candidate.systems) or 'none'})"
        return Verdict(candidate, reason)
    if candidate.load >= candidate.max_jobs:
        return Verdict(candidate, f"all {candidate.max_jobs} slot(s) busy")
    return Verdict(candidate, None)


def pick_order(eligible: Sequence[Candidate], *, integer_speed: bool) -> list[Candidate]:
    """Nix's preference: lowest load/speed, then higher speed, then lower load, then file order.

    Before Nix 2.20 the division is integer division.
    """

    def score(c: Candidate) -> float:
        if integer_speed:
            return c.load // max(1, round(c.speed_factor))
        return c.load / c.speed_factor

    indexed = list(enumerate(eligible))
    indexed.sort(key=lambda p: (score(p[1]), -p[1].speed_factor, p[1].load, p[0]))
    return [c for _, c in indexed]
