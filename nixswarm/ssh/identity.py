"""The key files a user's own ssh would offer a host (`ssh -G`), and what each file holds."""

from __future__ import annotations

import base64
import binascii
import os
import pwd
import re
import shutil
import stat
from pathlib import Path
from typing import Literal

from nixswarm.captured import captured

KeyKind = Literal["private", "encrypted", "public", "missing", "unreadable", "other"]
"""A private key ssh can use without a passphrase, one with a passphrase, a public key (its private part lives in an
agent or a token), no file, a file the reader may not read, anything else."""

_BEGIN = re.compile(r"-----BEGIN ([A-Z0-9 ]*)PRIVATE KEY-----")
_OPENSSH_MAGIC = b"openssh-key-v1\0"
_TOKEN = re.compile(r"%(.)")
_MAX_KEY_BYTES = 65536
_SAFE_PATH = "/usr/local/bin:/usr/bin:/bin"
"""PATH of an ssh -G run as another user (a `Match exec` in their config may need one)."""


def identity_files(ssh_g: str, home: str, local_user: str) -> tuple[str, ...]:
    """The `identityfile` values of `ssh -G` output as absolute paths, in ssh's order.

    OpenSSH prints them as configured (`~/.ssh/id_rsa`, `%d/...`); ssh expands `~` and `%d` to the home in the
    password database, so home must be that one. A value this cannot expand (`~other/`, `${VAR}`, a relative
    path, an unknown %-token) is left out.
    """
    files: list[str] = []
    seen: dict[str, str] = {}
    for line in ssh_g.splitlines():
        key, _, value = line.partition(" ")
        if key == "identityfile":
            files.append(value.strip())
        elif key in ("hostname", "user", "port"):
            seen.setdefault(key, value.strip())
    tokens = {
        "d": home,
        "u": local_user,
        "h": seen.get("hostname", ""),
        "r": seen.get("user", ""),
        "p": seen.get("port", ""),
        "%": "%",
    }
    expanded = (_expand(f, home, tokens) for f in files if f and f != "none")
    return tuple(dict.fromkeys(p for p in expanded if p))


def _expand(value: str, home: str, tokens: dict[str, str]) -> str | None:
    if value == "~" or value.startswith("~/"):
        value = home.rstrip("/") + value[1:]
    unknown = [m.group(1) for m in _TOKEN.finditer(value) if m.group(1) not in tokens or not tokens[m.group(1)]]
    if "${" in value or unknown:
        return None
    value = _TOKEN.sub(lambda m: tokens[m.group(1)], value)
    return value if value.startswith("/") else None


def key_file_kind(path: Path) -> KeyKind:
    """What the file at path holds, read as the calling process (only a regular file is opened)."""
    try:
        info = path.stat()
    except (FileNotFoundError, NotADirectoryError):
        return "missing"
    except OSError:
        return "unreadable"
    if not stat.S_ISREG(info.st_mode) or info.st_size > _MAX_KEY_BYTES:
        return "other"
    try:
        text = path.read_bytes().decode("ascii", "replace")
    except OSError:
        return "unreadable"
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    begin = _BEGIN.fullmatch(lines[0]) if lines else None
    if begin is None:
        public = lines and lines[0].split(" ", 1)[0].startswith(("ssh-", "ecdsa-", "sk-"))
        return "public" if public else "other"
    if begin.group(1) == "ENCRYPTED " or any(line.startswith("Proc-Type: 4,ENCRYPTED") for line in lines):
        return "encrypted"
    if begin.group(1) == "OPENSSH ":
        return _openssh_kind("".join(line for line in lines[1:] if not line.startswith("-----")))
    return "private"


def _openssh_kind(body: str) -> KeyKind:
    """openssh-key-v1: the magic, then the cipher name as an SSH string ("none" without a passphrase)."""
    try:
        raw = base64.b64decode(body, validate=False)
    except (binascii.Error, ValueError):
        return "other"
    if not raw.startswith(_OPENSSH_MAGIC) or len(raw) < len(_OPENSSH_MAGIC) + 4:
        return "other"
    at = len(_OPENSSH_MAGIC)
    length = int.from_bytes(raw[at : at + 4], "big")
    return "private" if raw[at + 4 : at + 4 + length] == b"none" else "encrypted"


async def ssh_identity_files(
    address: str, port: int, user: str | None, *, as_user: pwd.struct_passwd | None = None, timeout: float = 10
) -> tuple[str, ...]:
    """The key files the user's own ssh would offer address, in order: `ssh -G`, run as that user.

    as_user: whose ssh (root acting for the user who ran sudo); None for this process's user.
    RuntimeError saying why ssh could not tell.
    """
    account = as_user or pwd.getpwuid(os.getuid())
    argv = [shutil.which("ssh") or "ssh", "-G", "-p", str(port), *(["-l", user] if user else []), "--", address]
    extra: dict[str, object] = {}
    if as_user is not None and as_user.pw_uid != os.getuid():
        groups = os.getgrouplist(as_user.pw_name, as_user.pw_gid)
        env = {"HOME": as_user.pw_dir, "USER": as_user.pw_name, "LOGNAME": as_user.pw_name, "PATH": _SAFE_PATH}
        extra = {"user": as_user.pw_uid, "group": as_user.pw_gid, "extra_groups": groups, "env": env, "cwd": "/"}
    try:
        out = await captured(argv, timeout, f"ssh -G {address}", **extra)
    except OSError as err:
        raise RuntimeError(f"cannot run ssh -G: {err.strerror or err}") from None
    return identity_files(out.decode("utf-8", "replace"), account.pw_dir, account.pw_name)
