"""The private files of one build (builders file, ssh config, known_hosts, control sockets), and their removal."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from nixswarm.build.plan import Plan
from nixswarm.model.nixversion import NixVersion
from nixswarm.nix.machines_render import render_machines
from nixswarm.selection import Selected
from nixswarm.ssh.alias import check_unique_aliases
from nixswarm.ssh.config_render import Transport, render_ssh_config
from nixswarm.ssh.known_hosts import render_known_hosts
from nixswarm.store.atomic import atomic_write
from nixswarm.store.settings import Defaults

SOCKET_MAX = 107
"""A unix socket path holds at most 107 bytes."""
PREFIX = "nixswarm-build-"
_CONTROL_TAIL = len("/12345678/cm/") + 40 + 12
"""mkdtemp's 8 random characters, the control folder, the 40-character %C hash, and ssh's temporary suffix."""


@dataclass(frozen=True)
class BuildDir:
    """Where one build's files live; nobody else's build sees them."""

    root: Path
    """A 0700 folder of its own."""

    @property
    def machines(self) -> Path:
        return self.root / "machines"

    @property
    def ssh_config(self) -> Path:
        return self.root / "ssh_config"

    @property
    def known_hosts(self) -> Path:
        return self.root / "known_hosts"

    @property
    def control_dir(self) -> Path:
        return self.root / "cm"

    @property
    def ledger(self) -> Path:
        """The build-hook proxy's ledger folder (--local-weight)."""
        return self.root / "ledger"


def make_build_dir() -> BuildDir:
    """A fresh private folder under $XDG_RUNTIME_DIR (or /tmp when that path is too long for sockets)."""
    runtime = os.environ.get("XDG_RUNTIME_DIR", "")
    fits = len(runtime) + len(PREFIX) + _CONTROL_TAIL <= SOCKET_MAX
    usable = runtime and Path(runtime).is_absolute() and fits and Path(runtime).is_dir()
    base = runtime if usable and " " not in runtime else None
    root = Path(tempfile.mkdtemp(prefix=PREFIX, dir=base))
    return BuildDir(root)


def render_ssh_files(selected: Sequence[Selected], defaults: Defaults, where: BuildDir) -> tuple[str, str]:
    """The ssh config and known_hosts of every selected host (tuned transport, masters in the build's folder)."""
    transport = Transport(
        connect_timeout=max(1, round(defaults.timeout)),
        control_dir=str(where.control_dir),
        known_hosts=str(where.known_hosts),
    )
    check_unique_aliases(s.entry.host.name for s in selected)
    hosts = [s.entry.host for s in selected]
    ssh_config = render_ssh_config(hosts, transport, user=defaults.user, identity=defaults.identity)
    return ssh_config, render_known_hosts((s.entry.host.name, s.key) for s in selected)


def write_ssh_files(ssh_config: str, known_hosts: str, where: BuildDir) -> None:
    """Write them (mode 0600) with the folder for the control sockets."""
    where.control_dir.mkdir(mode=0o700, exist_ok=True)
    atomic_write(where.known_hosts, known_hosts)
    atomic_write(where.ssh_config, ssh_config)


def render_machines_file(plan: Plan, nix: NixVersion) -> str:
    """The builders file of the plan."""
    return render_machines([h.entry for h in plan.hosts], nix)


def remove_build_dir(where: BuildDir) -> None:
    """Close every ssh master this build opened (one socket each), then delete its folder."""
    sockets = list(where.control_dir.iterdir()) if where.control_dir.is_dir() else []
    for socket in sockets:
        subprocess.run(
            ["ssh", "-o", f"ControlPath={socket}", "-O", "exit", "nixswarm-build"],
            stdin=subprocess.DEVNULL, capture_output=True, timeout=5, check=False,
        )  # fmt: skip
    shutil.rmtree(where.root, ignore_errors=True)
