"""Write the machines file, ssh config and known_hosts of a selection: render all, then write."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from nixswarm.files.selection import Selected, machine_entry
from nixswarm.model.nixversion import NixVersion
from nixswarm.nix.machines_render import render_machines
from nixswarm.ssh.alias import check_unique_aliases
from nixswarm.ssh.config_render import Transport, render_ssh_config
from nixswarm.ssh.known_hosts import render_known_hosts
from nixswarm.store import paths
from nixswarm.store.atomic import atomic_write
from nixswarm.store.control_sockets import make_private_folder
from nixswarm.store.settings import Defaults


@dataclass(frozen=True)
class Targets:
    """Where each file goes."""

    machines: Path
    """The Nix machines file."""
    ssh_config: Path
    """nixswarm's ssh config."""
    known_hosts: Path
    """The approved keys under their aliases."""
    control_dir: Path | None
    """ssh ControlMaster sockets; None for no connection reuse."""
    shared: bool = False
    """Files every user reads (/etc): the ssh config and known_hosts 0644 in 0755 folders, as /etc/ssh/ssh_config.d
    files are; none of them holds a secret. Otherwise those two are 0600. The machines file is 0644 either way."""


def user_targets(machines: Path | None = None, ssh_config: Path | None = None) -> Targets:
    """The user's files (`nixswarm write`, the TUI's `w`): the XDG defaults unless given, known_hosts next to the
    ssh config."""
    ssh_config = ssh_config or paths.ssh_config_file()
    return Targets(
        machines=machines or paths.machines_file(),
        ssh_config=ssh_config,
        known_hosts=ssh_config.with_name("known_hosts"),
        control_dir=paths.control_dir(),
    )


@dataclass(frozen=True)
class Rendered:
    """The text of each file, rendered before anything is written."""

    machines: str
    ssh_config: str
    known_hosts: str


def render_all(selected: list[Selected], defaults: Defaults, nix: NixVersion, targets: Targets) -> Rendered:
    """Every file's text; any invalid value raises here, before a byte is written.

    The ssh config shares connections only for a Nix that does not wait for ssh's `started` (before 2.15): nothing
    manages the masters of these long-lived files, and a master that opens or expires while Nix's ssh starts makes
    Nix from 2.15 hang or misread the protocol. `nixswarm build` shares them safely in its own config.
    """
    check_unique_aliases(s.entry.host.name for s in selected)
    reuse = targets.control_dir is not None and not nix.ssh_waits_for_started
    transport = Transport(
        connect_timeout=max(1, round(defaults.timeout)),
        control_dir=str(targets.control_dir) if reuse else None,
        control_persist=defaults.control_persist,
        known_hosts=str(targets.known_hosts),
    )
    hosts = [s.entry.host for s in selected]
    return Rendered(
        machines=render_machines([machine_entry(s, defaults) for s in selected], nix),
        ssh_config=render_ssh_config(hosts, transport, user=defaults.user, identity=defaults.identity),
        known_hosts=render_known_hosts((s.entry.host.name, s.key) for s in selected),
    )


def write_all(rendered: Rendered, targets: Targets) -> None:
    """Write each file atomically: the machines file 0644 (it holds no secret), the ssh config and known_hosts 0600
    (0644 when shared); none is group- or world-writable (ssh refuses such configs)."""
    if targets.control_dir is not None:
        make_private_folder(targets.control_dir)
    mode = 0o644 if targets.shared else 0o600
    if targets.shared:  # a folder made here must not hide the files from the users who read them
        for folder in {targets.known_hosts.parent, targets.ssh_config.parent, targets.machines.parent}:
            folder.mkdir(mode=0o755, parents=True, exist_ok=True)
    atomic_write(targets.known_hosts, rendered.known_hosts, mode=mode)
    atomic_write(targets.ssh_config, rendered.ssh_config, mode=mode)
    atomic_write(targets.machines, rendered.machines, mode=0o644)
