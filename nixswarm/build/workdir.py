"""The private files of one build (builders file, ssh config, known_hosts, control sockets), and their removal."""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from nixswarm.build import owner_lock
from nixswarm.build.plan import Plan
from nixswarm.files.selection import Selected
from nixswarm.model.nixversion import NixVersion
from nixswarm.nix.machines_render import render_machines
from nixswarm.ssh.alias import check_unique_aliases
from nixswarm.ssh.config_render import Transport, render_ssh_config
from nixswarm.ssh.known_hosts import render_known_hosts
from nixswarm.store.atomic import atomic_write
from nixswarm.store.control_sockets import SHORT_BASE, SocketFolderTooLong, sockets_fit
from nixswarm.store.settings import Defaults

PREFIX = "nixswarm-build-"
GONE = ".nixswarm-gone-"
"""A build folder being deleted is first renamed so (GONE + its name): a hook of a killed build's nix that still runs
can no longer create files in it by its path while it is deleted. The next build deletes any such folder left."""


@dataclass(frozen=True)
class BuildDir:
    """Where one build's files live; nobody else's build sees them."""

    root: Path
    """A 0700 folder of its own."""
    lock: int = field(default=-1, compare=False)
    """The held owner lock (owner_lock): while it is held, no other build sweeps the folder away."""

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
        """The build-hook proxy's ledger folder (scheduler and local weight)."""
        return self.root / "ledger"

    @property
    def durations(self) -> Path:
        """Past build times from the history, for the scheduler (hook/durations.py)."""
        return self.root / "durations"

    @property
    def loads(self) -> Path:
        """The live loads file (build/live_load.py writes it, the scheduler reads it)."""
        return self.root / "loads"


def make_build_dir() -> BuildDir:
    """A fresh private folder under $XDG_RUNTIME_DIR, or under /tmp when its sockets would not fit there."""
    runtime = os.environ.get("XDG_RUNTIME_DIR", "")
    usable = runtime and Path(runtime).is_absolute() and " " not in runtime and Path(runtime).is_dir()
    for base in [Path(runtime), SHORT_BASE] if usable else [SHORT_BASE]:
        root = Path(tempfile.mkdtemp(prefix=PREFIX, dir=base))
        if sockets_fit(root / "cm"):
            owner_lock.sweep(base, PREFIX, _remove_folder)  # what a killed build left: its masters never expire
            _delete_gone(base)
            return BuildDir(root, owner_lock.hold(root))
        root.rmdir()
    raise SocketFolderTooLong(root / "cm")


OPEN_MASTER = ("-o", "ControlMaster=auto")
"""What makes nixswarm's check before a build open a host's master: the build's config lets ssh only join one."""


def render_ssh_files(selected: Sequence[Selected], defaults: Defaults, where: BuildDir) -> tuple[str, str]:
    """The ssh config and known_hosts of every selected host: tuned transport, and masters in the build's folder
    that only nixswarm's check opens (OPEN_MASTER) and that stay up until remove_build_dir closes them, however long
    a host idles. So no master appears or expires while Nix (from 2.16) checks whether to wait for ssh's `started`."""
    transport = Transport(
        connect_timeout=max(1, round(defaults.timeout)),
        control_dir=str(where.control_dir),
        control_persist=None,
        ssh_opens_masters=False,
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
    """Close every ssh master this build opened (one socket each), then delete its folder and let its lock go."""
    _remove_folder(where.root)
    owner_lock.release(where.lock)


def _remove_folder(root: Path) -> None:
    control = root / "cm"
    sockets = list(control.iterdir()) if control.is_dir() and not control.is_symlink() else []
    for socket in sockets:
        subprocess.run(
            ["ssh", "-o", f"ControlPath={socket}", "-O", "exit", "nixswarm-build"],
            stdin=subprocess.DEVNULL,
            capture_output=True,
            timeout=5,
            check=False,
        )
    gone = root.with_name(GONE + root.name)
    try:
        root.rename(gone)
    except OSError:
        return  # another build's sweep took it first
    _delete(gone)


def _delete(folder: Path) -> None:
    """rmtree, again while a writer that opened its path before the rename still adds a file."""
    for _ in range(20):
        shutil.rmtree(folder, ignore_errors=True)
        if not folder.exists():
            return
        time.sleep(0.005)


def _delete_gone(base: Path) -> None:
    """Delete the renamed folders (GONE) of this user's that a removal left: killed in the middle, or raced."""
    with contextlib.suppress(OSError):
        for folder in base.iterdir():
            if folder.name.startswith(GONE + PREFIX) and owner_lock.own_folder(folder):
                _delete(folder)
