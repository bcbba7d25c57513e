"""The check that the files nixswarm writes for a host hold nothing hostile, whatever the host came from."""

from __future__ import annotations

import re
from pathlib import Path

from nixswarm.files.selection import Selected
from nixswarm.files.writer import Targets, render_all
from nixswarm.model import NIX_2_8
from nixswarm.model.host import Host
from nixswarm.store.settings import Defaults, HostEntry
from tests.unit.hostile import KEY

TARGETS = Targets(Path("/x/machines"), Path("/x/ssh_config"), Path("/x/known_hosts"), Path("/x/cm"))
SSH_LINE = re.compile(r"(#[ -~]*|Host nixswarm-[A-Za-z0-9._-]+|  [A-Za-z]+ [!-~]+(,[!-~]+)*|)")
KNOWN_HOSTS_LINE = re.compile(r"nixswarm-[A-Za-z0-9._-]+ ssh-ed25519 [A-Za-z0-9+/=]+")


def assert_files_hold_nothing_hostile(host: Host) -> None:
    """The machines file, ssh config and known_hosts written for host: printable ASCII in their strict shapes."""
    rendered = render_all([Selected(HostEntry(host), KEY)], Defaults(), NIX_2_8, TARGETS)
    entries = [line for line in rendered.machines.splitlines() if not line.startswith("#")]
    assert len(entries) == 1 and len(entries[0].split(" ")) == 8
    every = rendered.machines + rendered.ssh_config + rendered.known_hosts
    assert all(c.isprintable() and c.isascii() for c in every if c != "\n")
    for line in rendered.ssh_config.splitlines():
        assert SSH_LINE.fullmatch(line), line
    for line in rendered.known_hosts.splitlines():
        assert KNOWN_HOSTS_LINE.fullmatch(line), line
    written = [line for line in every.splitlines() if not line.startswith("#")]  # our own header comments aside
    for hostile in ("ProxyCommand", ";", "'", '"', "${", "@/"):
        assert not any(hostile in line for line in written), hostile
