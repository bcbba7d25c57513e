"""--local-weight: how much of a build the local machine takes, and the Nix levers that get it there."""

from __future__ import annotations

from dataclasses import dataclass

from nixswarm.errors import ValidationError

PREFER_LOCAL = 1.0
REMOTE_ONLY = 0.0


def parse_weight(text: str) -> float:
    """`local`/`prefer-local` (1), `remote`/`remote-only` (0), `N%` or a number 0-1."""
    named = {"local": PREFER_LOCAL, "prefer-local": PREFER_LOCAL, "remote": REMOTE_ONLY, "remote-only": REMOTE_ONLY}
    if text in named:
        return named[text]
    try:
        value = float(text[:-1]) / 100 if text.endswith("%") else float(text)
    except ValueError:
        reason = "use prefer-local, remote-only, a share like 30% or 0.3"
        raise ValidationError("--local-weight", text, reason) from None
    if not 0 <= value <= 1:
        raise ValidationError("--local-weight", text, "must be from 0 (remote only) to 1 (prefer local)")
    return value


@dataclass(frozen=True)
class RemoteCaps:
    """Remote slots capped so that local overflow gets about the requested share (the fallback lever)."""

    max_jobs: dict[str, int]
    """Slots per host name."""
    expected_share: float
    """The local share this gives when there is more work than slots."""


def capped_slots(slots: dict[str, int], local_jobs: int, share: float) -> RemoteCaps:
    """Nix takes remote slots first, so local only gets overflow: L / (L + R) is its share; shrink R to fit."""
    total = sum(slots.values())
    if not slots or local_jobs <= 0 or total == 0:
        return RemoteCaps(dict(slots), 0.0 if slots else 1.0)
    wanted = total if share <= 0 else local_jobs * (1 - share) / share
    scale = min(1.0, wanted / total)
    caps = {name: max(1, round(n * scale)) for name, n in slots.items()}
    return RemoteCaps(caps, local_jobs / (local_jobs + sum(caps.values())))
