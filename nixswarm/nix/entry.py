"""One line of a Nix machines file, as a validated value."""

from __future__ import annotations

import re
from dataclasses import dataclass

from nixswarm.errors import ValidationError
from nixswarm.model import validate
from nixswarm.model.host import SCHEMES, Scheme
from nixswarm.model.hostkey import HostKey

__all__ = ["SCHEMES", "MachineEntry", "Scheme"]
_PARAM_KEY = re.compile(r"[a-z][a-z0-9-]{0,31}")
_PARAM_VALUE = re.compile(r"[A-Za-z0-9_.,/%:+=-]{0,2048}")


@dataclass(frozen=True)
class MachineEntry:
    """A remote builder as Nix's machines file describes it: eight columns."""

    host: str
    """Host in the store URI: an ssh alias, a DNS name or an IP address."""
    scheme: Scheme = "ssh-ng"
    """ssh:// (nix-store --serve) or ssh-ng:// (nix-daemon --stdio)."""
    user: str | None = None
    """User in the store URI."""
    port: int | None = None
    """Port in the store URI; only Nix >= 2.31 understands it."""
    params: tuple[tuple[str, str], ...] = ()
    """Store URI query parameters, in order."""
    systems: tuple[str, ...] = ()
    """Column 2; empty means Nix's default (the local system)."""
    ssh_key: str | None = None
    """Column 3: the identity file."""
    max_jobs: int = 1
    """Column 4."""
    speed_factor: float = 1.0
    """Column 5."""
    supported_features: tuple[str, ...] = ()
    """Column 6."""
    mandatory_features: tuple[str, ...] = ()
    """Column 7."""
    host_key: HostKey | None = None
    """Column 8: the pinned public host key."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "host", validate.address(self.host, "store URI host"))
        if self.scheme not in SCHEMES:
            raise ValidationError("store URI scheme", self.scheme, "nixswarm uses ssh:// or ssh-ng://")
        if self.user is not None:
            validate.user(self.user, "store URI user")
        if self.port is not None:
            validate.port(self.port, "store URI port")
        for key, value in self.params:
            if not isinstance(key, str) or not _PARAM_KEY.fullmatch(key):
                raise ValidationError("store URI parameter", key, "expected a name like 'remote-program'")
            if not isinstance(value, str) or not _PARAM_VALUE.fullmatch(value):
                raise ValidationError(f"store URI parameter {key}", value, "has characters a URI may not hold")
        object.__setattr__(self, "systems", validate.systems(self.systems))
        if self.ssh_key is not None:
            validate.abs_path(self.ssh_key, "ssh key")
        validate.max_jobs(self.max_jobs)
        object.__setattr__(self, "speed_factor", validate.speed_factor(self.speed_factor))
        object.__setattr__(self, "supported_features", validate.features(self.supported_features))
        object.__setattr__(self, "mandatory_features", validate.features(self.mandatory_features, "mandatory features"))
        if self.host_key is not None and not isinstance(self.host_key, HostKey):
            raise ValidationError("host key", self.host_key, "expected a HostKey")

    @property
    def store_uri(self) -> str:
        """The store URI, column 1."""
        user = f"{self.user}@" if self.user else ""
        host = f"[{self.host}]" if ":" in self.host else self.host  # IPv6: else its last group reads as a port
        port = f":{self.port}" if self.port is not None else ""
        query = "&".join(f"{k}={v}" for k, v in self.params)
        return f"{self.scheme}://{user}{host}{port}{'?' + query if query else ''}"
