"""The result of probing a host: its facts, or why it could not be probed."""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import StrEnum

from nixswarm.errors import ValidationError
from nixswarm.model.facts import NixFacts
from nixswarm.model.hostkey import HostKey


class FailureKind(StrEnum):
    """Why a probe failed."""

    REFUSED = "refused"
    TIMEOUT = "timeout"
    UNREACHABLE = "unreachable"
    AUTH_FAILED = "auth-failed"
    HOST_KEY_CHANGED = "host-key-changed"
    NO_NIX = "no-nix"
    NO_SHELL = "no-shell"
    BAD_OUTPUT = "bad-output"


@dataclass(frozen=True)
class ProbeFailure:
    """A probe that did not return facts."""

    kind: FailureKind
    """The class of the failure."""
    message: str
    """What happened, naming the host."""
    host_key: HostKey | None = None
    """The key the host presented, if the connection got that far."""


@dataclass(frozen=True)
class ProbeResult:
    """Facts read from a host in one round trip."""

    nix: NixFacts
    """What its Nix says."""
    cores: int
    """Online CPUs."""
    load: float
    """1-minute load average."""
    mem_total_bytes: int
    """Physical memory."""
    mem_available_bytes: int
    """Memory available without swapping."""
    store_free_bytes: int
    """Free space of the filesystem holding /nix/store."""
    host_key: HostKey | None
    """The key the host presented (None for the local machine)."""
    rtt_ms: float
    """Round trip of the connection set-up."""
    probe_ms: float
    """Time of the whole probe."""
    has_nix_store: bool = True
    """nix-store is on the non-interactive PATH (needed by ssh://)."""
    has_nix_daemon: bool = True
    """nix-daemon is on the non-interactive PATH (needed by ssh-ng://)."""

    def __post_init__(self) -> None:
        for name in ("cores", "mem_total_bytes", "mem_available_bytes", "store_free_bytes"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < 1 << 63:
                raise ValidationError(name, value, "must be a non-negative whole number")
        for name in ("load", "rtt_ms", "probe_ms"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
                raise ValidationError(name, value, "must be a finite number")
            if value < 0:
                raise ValidationError(name, value, "must not be negative")

    @property
    def fingerprint(self) -> str | None:
        """SHA256 fingerprint of the presented host key."""
        return self.host_key.fingerprint if self.host_key else None
