"""Write the machines file, ssh config and known_hosts of a selection: render all, then write."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from nixswarm.model.nixversion import NixVersion
from nixswarm.nix.machines_render import render_machines
from nixswarm.selection import Selected, machine_entry
from nixswarm.ssh.alias import check_unique_aliases
from nixswarm.ssh.config_render import Transport, render_ssh_config
from nixswarm.ssh.known_hosts import render_known_hosts
from nixswarm.store.atomic import atomic_write
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


@dataclass(frozen=True)
class Rendered:
    """The text of each file, rendered before anything is written."""

    machines: str
    ssh_config: str
    known_hosts: str


def render_all(selected: list[Selected], defaults: Defaults, nix: NixVersion, targets: Targets) -> Rendered:
    """Every file's text; any invalid value raises here, before a byte is written."""
    check_unique_aliases(s.entry.host.name for s in selected)
    transport = Transport(
        connect_timeout=max(1, round(defaults.timeout)),
        control_dir=str(targets.control_dir) if targets.control_dir else None,
        known_hosts=str(targets.known_hosts),
    )
    hosts = [s.entry.host for s in selected]
    return Rendered(
        machines=render_machines([machine_entry(s, defaults) for s in selected], nix),
        ssh_config=render_ssh_config(hosts, transport, user=defaults.user, identity=defaults.identity),
        known_hosts=render_known_hosts((s.entry.host.name, s.key) for s in selected),
    )


def write_all(rendered: Rendered, targets: Targets) -> None:
    """Write each file atomically, mode 0600 (ssh refuses group- or world-writable configs)."""
    if targets.control_dir is not None:
        targets.control_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    atomic_write(targets.known_hosts, rendered.known_hosts)
    atomic_write(targets.ssh_config, rendered.ssh_config)
    atomic_write(targets.machines, rendered.machines, mode=0o644)
