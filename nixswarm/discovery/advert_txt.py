"""The TXT record nixswarm publishes for this machine."""

from __future__ import annotations

from dataclasses import dataclass

from nixswarm.discovery import service_types
from nixswarm.errors import ValidationError
from nixswarm.model import validate
from nixswarm.model.facts import NixFacts
from nixswarm.model.hostkey import HostKey


@dataclass(frozen=True)
class Publication:
    """What `nixswarm advertise` tells the LAN."""

    name: str
    """Host name; the instance and server name derive from it."""
    addresses: tuple[str, ...]
    """Addresses to publish."""
    port: int
    """The ssh port."""
    user: str | None
    """The user builders should log in as."""
    facts: NixFacts
    """Systems and features from the local Nix."""
    host_key: HostKey | None
    """The ssh host key, published as its fingerprint."""
    max_jobs: int
    """The owner's limit: at most this many builds from others at once."""
    speed_factor: float = 1.0
    """Relative speed."""
    cores: int = 0
    """CPU count, for display."""
    max_load: float | None = None
    """The owner's limit: no new work while the 1-minute load is above this; None: no limit."""

    def __post_init__(self) -> None:
        validate.host_name(self.name)
        object.__setattr__(self, "addresses", tuple(validate.address(a) for a in self.addresses))
        validate.port(self.port)
        if self.user is not None:
            validate.user(self.user)
        validate.max_jobs(self.max_jobs)
        validate.speed_factor(self.speed_factor)
        if self.max_load is not None:
            load = validate.max_load(self.max_load)
            if _decimal(load) == "0":
                raise ValidationError("max load", self.max_load, "must be at least 0.000001")
            object.__setattr__(self, "max_load", load)


def txt_properties(pub: Publication) -> dict[str, str]:
    """TXT key/values, every one already validated."""
    props = {
        "txtvers": service_types.TXT_VERSION,
        "systems": ",".join(pub.facts.systems),
        "features": ",".join(pub.facts.features),
        "mandatory": "",
        "max-jobs": str(pub.max_jobs),
        "speed-factor": _decimal(pub.speed_factor),
        "cores": str(pub.cores),
    }
    if pub.max_load is not None:
        props["max-load"] = _decimal(pub.max_load)
    if pub.user:
        props["user"] = pub.user
    if pub.host_key:
        props["fingerprint"] = pub.host_key.fingerprint
    return props


def _decimal(value: float) -> str:
    """value as the TXT parser reads numbers: digits, and at most six after the point (never an exponent)."""
    return f"{value:.6f}".rstrip("0").rstrip(".")
