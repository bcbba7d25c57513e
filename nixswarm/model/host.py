"""A builder host: where it is, how to log in, and where nixswarm found it."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Literal

from nixswarm.errors import ValidationError
from nixswarm.model import validate
from nixswarm.model.hostkey import HostKey

Scheme = Literal["ssh", "ssh-ng"]
"""A store URI scheme nixswarm writes: ssh:// runs `nix-store --serve`, ssh-ng:// `nix-daemon --stdio`."""
SCHEMES: tuple[Scheme, ...] = ("ssh", "ssh-ng")


class Source(StrEnum):
    """Where a host came from."""

    MDNS = "mdns"
    MDNS_BEACON = "mdns-beacon"
    MDNS_SSH = "mdns-ssh"
    CONFIG = "config"
    MACHINES_FILE = "machines-file"
    COMMAND_LINE = "command-line"


@dataclass(frozen=True)
class Host:
    """A remote machine that may build for us."""

    name: str
    """Unique short name; the ssh alias and the store URI are derived from it."""
    addresses: tuple[str, ...]
    """IP addresses or DNS names, best first."""
    port: int = 22
    """The ssh port."""
    user: str | None = None
    """Login user; None means the default (--user, then ssh's own)."""
    identity_file: str | None = None
    """Absolute path of the private key; None means the default."""
    sources: tuple[Source, ...] = (Source.CONFIG,)
    """Every place the host was seen, deduplicated."""
    advertised_key: HostKey | None = field(default=None, compare=True)
    """A host key that came with the host (mDNS TXT or column 8), not yet trusted."""
    systems: tuple[str, ...] = ()
    """Systems known without probing (advertised or imported)."""
    features: tuple[str, ...] = ()
    """Supported features known without probing."""
    mandatory_features: tuple[str, ...] = ()
    """Mandatory features known without probing."""
    scheme: Scheme | None = None
    """The store URI scheme of its machines line; None means defaults.scheme."""
    remote_program: str | None = None
    """The Nix program ssh runs on it (`?remote-program=`), for the scheme it is used with; None: Nix's default
    (nix-daemon or nix-store, found on the builder's non-interactive PATH)."""
    max_jobs: int | None = None
    """The owner's limit: at most this many builds from others at once; None: no limit of the owner's."""
    max_load: float | None = None
    """The owner's limit: no new work while its 1-minute load is above this; None: no limit of the owner's."""

    def __post_init__(self) -> None:
        validate.host_name(self.name)
        if not isinstance(self.addresses, tuple) or not self.addresses:
            raise ValidationError("addresses", self.addresses, "at least one address is needed")
        if len(self.addresses) > 16:
            raise ValidationError("addresses", self.addresses, "more than 16 addresses")
        normal = tuple(dict.fromkeys(validate.address(a) for a in self.addresses))
        object.__setattr__(self, "addresses", normal)
        validate.port(self.port)
        if self.user is not None:
            validate.user(self.user)
        if self.identity_file is not None:
            validate.abs_path(self.identity_file, "identity file")
        object.__setattr__(self, "sources", tuple(dict.fromkeys(Source(s) for s in self.sources)))
        object.__setattr__(self, "systems", validate.systems(self.systems))
        object.__setattr__(self, "features", validate.features(self.features))
        object.__setattr__(self, "mandatory_features", validate.features(self.mandatory_features, "mandatory features"))
        if self.scheme is not None and self.scheme not in SCHEMES:
            raise ValidationError("scheme", self.scheme, "must be 'ssh' or 'ssh-ng'")
        if self.remote_program is not None:
            validate.remote_program(self.remote_program)
        if self.max_jobs is not None:
            validate.max_jobs(self.max_jobs, "owner's max jobs")
        if self.max_load is not None:
            object.__setattr__(self, "max_load", validate.max_load(self.max_load, "owner's max load"))

    @property
    def address(self) -> str:
        """The address to connect to first."""
        return self.addresses[0]

    def capped_jobs(self, jobs: int) -> int:
        """jobs, at most the owner's max_jobs."""
        return jobs if self.max_jobs is None else min(jobs, self.max_jobs)

    @property
    def limits(self) -> str:
        """The owner's limits in words, e.g. '4 jobs, load 2'; '' when the owner set none."""
        return limits_text(self.max_jobs, self.max_load)


def limits_text(max_jobs: int | None, max_load: float | None) -> str:
    """An owner's limits in words, e.g. '4 jobs, load 2'; '' when there are none."""
    jobs = [] if max_jobs is None else [f"{max_jobs} job" + ("" if max_jobs == 1 else "s")]
    load = [] if max_load is None else [f"load {max_load:g}"]
    return ", ".join(jobs + load)
