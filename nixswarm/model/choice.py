"""What the user chose for a host: whether to use it, and how Nix should weigh it."""

from __future__ import annotations

from dataclasses import dataclass

from nixswarm.errors import ValidationError
from nixswarm.model import validate


@dataclass(frozen=True)
class Choice:
    """The user's settings for one host."""

    enabled: bool = True
    """Use the host for builds."""
    max_jobs: int = 1
    """Build slots Nix may use on it (column 4)."""
    speed_factor: float = 1.0
    """Relative speed (column 5); integer before Nix 2.20."""

    def __post_init__(self) -> None:
        if not isinstance(self.enabled, bool):
            raise ValidationError("enabled", self.enabled, "must be true or false")
        validate.max_jobs(self.max_jobs)
        object.__setattr__(self, "speed_factor", validate.speed_factor(self.speed_factor))
