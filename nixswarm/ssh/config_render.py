"""Render nixswarm's own ssh config: one Host block per builder, with a tuned transport."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from nixswarm.errors import ValidationError
from nixswarm.model import validate
from nixswarm.model.host import Host
from nixswarm.ssh.alias import alias_for

HEADER = "# ssh config written by nixswarm: it is rewritten whole, edit nixswarm's config instead"
CIPHERS = "aes128-gcm@openssh.com,aes256-gcm@openssh.com,chacha20-poly1305@openssh.com"


@dataclass(frozen=True)
class Transport:
    """Connection settings shared by every Host block."""

    connect_timeout: int = 3
    """Seconds before ssh gives up on a host (Nix alone waits minutes on a blackhole)."""
    server_alive_interval: int = 5
    """Seconds between keep-alives; ServerAliveCountMax 3 drops a dead host after 3 misses."""
    control_dir: str | None = None
    """Folder of the ControlMaster sockets; None disables connection reuse."""
    control_persist: int | None = 60
    """Seconds a master stays up after its last session; None: until nixswarm closes it (`ControlPersist yes`)."""
    ssh_opens_masters: bool = True
    """Any ssh reading the config opens a master when none runs (`ControlMaster auto`). False: ssh only joins the
    masters nixswarm opened (`ControlMaster no`), so no master appears or vanishes between Nix's ssh and the
    `ssh -O check` that Nix from 2.16 runs right after it to learn whether to wait for `started`."""
    known_hosts: str | None = None
    """nixswarm's own known_hosts holding the approved keys; None leaves ssh's default."""

    def __post_init__(self) -> None:
        for name in ("connect_timeout", "server_alive_interval", "control_persist"):
            value = getattr(self, name)
            if name == "control_persist" and value is None:
                continue
            if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 3600:
                raise ValidationError(name.replace("_", " "), value, "must be 1-3600 seconds")
        if self.control_dir is not None:
            validate.abs_path(self.control_dir, "control socket folder")
        if self.known_hosts is not None:
            validate.abs_path(self.known_hosts, "known_hosts file")


def hostname_value(address: str) -> str:
    """An address as ssh's HostName takes it: ssh expands %-tokens, so fe80::1%eth0 needs %%."""
    return address.replace("%", "%%")


def render_host_block(host: Host, transport: Transport, *, user: str | None, identity: str | None) -> str:
    """The Host block of one builder; every value was validated when the Host was built."""
    alias = alias_for(host.name)
    lines = [
        f"Host {alias}",
        f"  HostName {hostname_value(host.address)}",
        f"  Port {host.port}",
    ]
    login = host.user or user
    if login:
        lines.append(f"  User {validate.user(login)}")
    key = host.identity_file or identity
    if key:
        lines.append(f"  IdentityFile {validate.abs_path(key, 'identity file')}")
        lines.append("  IdentitiesOnly yes")
    lines += [
        f"  HostKeyAlias {alias}",
        f"  ConnectTimeout {transport.connect_timeout}",
        f"  ServerAliveInterval {transport.server_alive_interval}",
        "  ServerAliveCountMax 3",
        f"  Ciphers {CIPHERS}",
        "  Compression no",
    ]
    if transport.known_hosts:
        lines.append(f"  UserKnownHostsFile {transport.known_hosts}")
        lines.append("  StrictHostKeyChecking yes")
    if transport.control_dir:
        persist = "yes" if transport.control_persist is None else str(transport.control_persist)
        lines += [
            f"  ControlMaster {'auto' if transport.ssh_opens_masters else 'no'}",
            f"  ControlPath {transport.control_dir}/%C",
            f"  ControlPersist {persist}",
        ]
    else:
        lines.append("  ControlMaster no")
    return "\n".join(lines)


def render_ssh_config(
    hosts: Iterable[Host], transport: Transport, *, user: str | None = None, identity: str | None = None
) -> str:
    """The whole file: a header, then one block per host, blank-line separated."""
    blocks = [render_host_block(h, transport, user=user, identity=identity) for h in hosts]
    return "\n\n".join([HEADER, *blocks]) + "\n"
