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

    @property
    def address(self) -> str:
        """The address to connect to first."""
        return self.addresses[0]
