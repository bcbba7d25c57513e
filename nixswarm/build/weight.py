"""--local-weight: how much of a build the local machine takes (0 remote only, 1 prefer local)."""

from __future__ import annotations

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
