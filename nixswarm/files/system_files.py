"""Where `nixswarm write --system` puts its files, for a nix-daemon whose ssh runs as root."""

from __future__ import annotations

import os
import pwd
from pathlib import Path

from nixswarm.errors import NixswarmError
from nixswarm.files.writer import Targets

SSH_DROP_IN = Path("etc/ssh/ssh_config.d/nixswarm.conf")
"""Debian's /etc/ssh/ssh_config includes /etc/ssh/ssh_config.d/*.conf: root's ssh reads it, nobody's file changes."""


def system_targets(root: Path = Path("/")) -> Targets:
    """The machines file, ssh drop-in, known_hosts and control sockets of the system (root's ssh)."""
    return Targets(
        machines=root / "etc/nix/nixswarm-machines",
        ssh_config=root / SSH_DROP_IN,
        known_hosts=root / "etc/nix/nixswarm-known_hosts",
        control_dir=root / "run/nixswarm-ssh",
        shared=True,
    )


def invoking_user() -> pwd.struct_passwd | None:
    """The user who ran sudo (their config, approved keys and ssh's key choice are the ones to write); None when
    root ran it without sudo."""
    if os.geteuid() != 0:
        raise NixswarmError("--system writes files that root's ssh reads: run it with sudo", title="Needs root")
    user = os.environ.get("SUDO_USER")
    if not user:
        return None
    try:
        return pwd.getpwnam(user)
    except KeyError:
        raise NixswarmError(f"SUDO_USER {user!r} is not a user of this machine", title="Needs root") from None


def system_aliases(root: Path = Path("/")) -> frozenset[str]:
    """The `Host nixswarm-NAME` aliases in nixswarm's ssh drop-in, which a nix-daemon's root ssh reads."""
    from nixswarm.ssh.config_read import read_aliases_file

    return frozenset(read_aliases_file(root / SSH_DROP_IN))
