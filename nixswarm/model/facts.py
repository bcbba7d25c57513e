"""What a machine's Nix says about itself: version, systems, features and slots."""

from __future__ import annotations

from dataclasses import dataclass

from nixswarm.errors import ValidationError
from nixswarm.model import validate
from nixswarm.model.nixversion import NixVersion


@dataclass(frozen=True)
class NixFacts:
    """The build-relevant part of a machine's Nix configuration."""

    version: NixVersion
    """The Nix that answered."""
    systems: tuple[str, ...]
    """`system` first, then `extra-platforms`."""
    features: tuple[str, ...] = ()
    """`system-features`."""
    max_jobs: int = 1
    """Its own `max-jobs` setting (0 means it builds nothing locally)."""
    cores: int = 0
    """Its `cores` setting (0 means all)."""

    def __post_init__(self) -> None:
        if not isinstance(self.version, NixVersion):
            raise ValidationError("nix version", self.version, "expected a NixVersion")
        object.__setattr__(self, "systems", validate.systems(self.systems))
        if not self.systems:
            raise ValidationError("systems", self.systems, "Nix reported no system")
        object.__setattr__(self, "features", validate.features(self.features, "system features"))
        for name in ("max_jobs", "cores"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 1 << 16:
                raise ValidationError(name.replace("_", " "), value, "must be a whole number from 0 to 65536")
