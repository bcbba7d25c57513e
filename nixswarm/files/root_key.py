"""The key file a nix-daemon's ssh, running as root without the user's agent, is given for each host."""

from __future__ import annotations

import asyncio
import os
import pwd
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from nixswarm.errors import ValidationError
from nixswarm.files.selection import Selected
from nixswarm.model import validate
from nixswarm.ssh.identity import key_file_kind, ssh_identity_files
from nixswarm.store.settings import Defaults, HostEntry

FIX = 'set identity = "/path/to/private-key" in nixswarm\'s config.toml ([defaults], or [hosts.{name}])'
"""How to give root's ssh a key file; {name} is the host."""
_NETWORK_FS = ("nfs", "nfs4", "cifs", "smb3", "smbfs", "9p", "afs", "ceph", "glusterfs", "lustre")
_SHOWN = 3


@dataclass(frozen=True)
class RootKey:
    """The private key file root's ssh is given for one host (machines column 3, the ssh drop-in), or why none."""

    name: str
    """The host."""
    path: str | None
    """Absolute path of the key file; None when no key file of the user's can be given."""
    configured: bool
    """The config names it; otherwise it is the first key file the user's own ssh would offer (ssh -G)."""
    problem: str | None = None
    """Why no usable key file can be given (agent only, a passphrase, none at all)."""
    caution: str | None = None
    """Why root may still be refused reading the file (a network or FUSE filesystem)."""

    @property
    def fix(self) -> str:
        """How to give root's ssh a key file for this host."""
        return FIX.format(name=self.name)

    @property
    def reason(self) -> str | None:
        """The problem and its fix, in one sentence."""
        return f"{self.problem}; {self.fix}" if self.problem else None


async def root_keys(
    selected: Sequence[Selected], defaults: Defaults, *, agent: bool, as_user: pwd.struct_passwd | None = None
) -> list[RootKey]:
    """Each host's key for root's ssh: its configured identity, else the key file the user's ssh would use.

    agent: the user has an ssh-agent (SSH_AUTH_SOCK), which root's ssh cannot use. as_user: whose ssh to ask
    (root acting for the user who ran sudo); None for this process's user.
    """
    return list(await asyncio.gather(*(_root_key(s, defaults, agent, as_user) for s in selected)))


def with_root_key(selected: Selected, key: RootKey) -> Selected:
    """The host with key as its identity file (unchanged when there is none)."""
    host = selected.entry.host
    if key.path is None or host.identity_file == key.path:
        return selected
    return replace(selected, entry=HostEntry(replace(host, identity_file=key.path), selected.entry.choice))


async def _root_key(selected: Selected, defaults: Defaults, agent: bool, as_user: pwd.struct_passwd | None) -> RootKey:
    host = selected.entry.host
    name = host.name
    configured = host.identity_file or defaults.identity
    if configured:
        kind = key_file_kind(Path(configured))
        if kind == "private":
            return RootKey(name, configured, True, caution=_caution(configured))
        return RootKey(name, None, True, problem=f"identity file {configured} {_unusable(kind, as_user)}")
    try:
        candidates = await ssh_identity_files(host.address, host.port, host.user or defaults.user, as_user=as_user)
    except RuntimeError as err:
        return RootKey(name, None, False, problem=f"cannot tell which key your ssh would use ({err})")
    kinds = {path: key_file_kind(Path(path)) for path in candidates}
    usable = [p for p, kind in kinds.items() if kind == "private"]
    for path in usable:
        try:
            return RootKey(name, validate.abs_path(path, "identity file"), False, caution=_caution(path))
        except ValidationError:
            continue
    if usable:
        problem = f"your key {usable[0]} has a character a machines file cannot hold (a space, a quote, %)"
    elif locked := [p for p, kind in kinds.items() if kind == "encrypted"]:
        problem = (
            f"your key {locked[0]} has a passphrase, which root's ssh cannot ask for (it has no terminal and no agent)"
        )
    elif agent:
        problem = (
            "your key is only in your ssh-agent (SSH_AUTH_SOCK), which root's ssh cannot use, and no key "
            f"file of yours exists ({_listed(candidates)})"
        )
    else:
        problem = f"no key file of yours exists for it ({_listed(candidates)})"
    return RootKey(name, None, False, problem=f"the nix-daemon runs ssh as root: {problem}")


def _unusable(kind: str, as_user: pwd.struct_passwd | None) -> str:
    who = as_user.pw_name if as_user else _me()
    return {
        "missing": "does not exist",
        "unreadable": f"cannot be read by {who}, so nixswarm cannot check the hosts with it",
        "encrypted": "has a passphrase, which the nix-daemon's ssh (root: no terminal, no agent) cannot ask for",
        "public": "is a public key: the nix-daemon's ssh (root) cannot use the agent that holds its private part",
    }.get(kind, "is not an ssh private key")


def _listed(paths: Sequence[str]) -> str:
    if not paths:
        return "ssh -G names no IdentityFile"
    shown = ", ".join(paths[:_SHOWN])
    return f"ssh would try {shown}{', …' if len(paths) > _SHOWN else ''}"


def _me() -> str:
    try:
        return pwd.getpwuid(os.getuid()).pw_name
    except KeyError:
        return str(os.getuid())


def _caution(path: str, mountinfo: Path = Path("/proc/self/mountinfo")) -> str | None:
    """A warning when path is on a filesystem that may refuse root: NFS (root_squash) or FUSE (without
    allow_other). Root reads any file of a local filesystem."""
    fstype = filesystem_of(path, mountinfo)
    if fstype is None or not (fstype in _NETWORK_FS or fstype.split(".")[0] == "fuse"):
        return None
    return (
        f"{path} is on a {fstype} filesystem, which may refuse root (NFS root_squash, FUSE without "
        "allow_other): if Nix says Permission denied, copy the key to a local folder and set identity to it"
    )


def filesystem_of(path: str, mountinfo: Path = Path("/proc/self/mountinfo")) -> str | None:
    """The filesystem type of the mount holding path (from mountinfo), or None when it cannot be told."""
    try:
        text = mountinfo.read_text(encoding="utf-8", errors="replace")
        real = os.path.realpath(path)
    except OSError:
        return None
    best, best_type = "", None
    for line in text.splitlines():
        fields = line.split(" - ", 1)
        left, right = fields[0].split(), fields[1].split() if len(fields) == 2 else []
        if len(left) < 5 or not right:
            continue
        point = left[4].replace("\\040", " ").replace("\\011", "\t").replace("\\134", "\\")
        inside = real == point or real.startswith(point.rstrip("/") + "/")
        if inside and len(point) >= len(best):
            best, best_type = point, right[0]
    return best_type
