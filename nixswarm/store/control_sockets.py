"""Whether a folder is short enough for the ssh ControlMaster sockets that nixswarm's ssh configs put in it."""

from __future__ import annotations

import os
import stat
import sys
from pathlib import Path

from nixswarm.errors import NixswarmError

SUN_PATH_BYTES = 108 if sys.platform.startswith("linux") else 104
"""sizeof(sockaddr_un.sun_path): 108 on Linux, 104 on macOS and the BSDs."""
SOCKET_MAX = SUN_PATH_BYTES - 1
"""The longest socket path OpenSSH binds: unix_listener refuses one that leaves no room for the NUL in sun_path."""
CONTROL_NAME = 40
"""A socket's name: ssh's %C (the hex SHA-1 of the connection), as in `ControlPath FOLDER/%C`."""
MASTER_SUFFIX = len(".") + 16
"""A master binds `ControlPath.` plus 16 random characters, then renames it into place (mux.c, muxserver_listen)."""
SHORT_BASE = Path("/tmp")  # noqa: S108 - only ever holds private 0700 folders
"""The fallback base: /tmp itself, never $TMPDIR (macOS's is about 50 characters)."""


def master_socket_length(folder: Path) -> int:
    """Bytes in the longest path ssh binds for a master in folder: FOLDER/%C.RANDOM16."""
    return len(os.fsencode(folder)) + len("/") + CONTROL_NAME + MASTER_SUFFIX


def sockets_fit(folder: Path) -> bool:
    """Whether ssh can bind every master socket (and its temporary name) in folder."""
    return master_socket_length(folder) <= SOCKET_MAX


class SocketFolderTooLong(NixswarmError):
    """Even the short fallback folder would give master socket paths longer than a unix socket takes."""

    title = "Socket path too long"

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        super().__init__(
            f"the ssh control socket folder {folder} is too long: a master socket in it takes "
            f"{master_socket_length(folder)} bytes, and a unix socket path holds at most {SOCKET_MAX}"
        )


class SocketFolderNotPrivate(NixswarmError):
    """The socket folder exists but is not a 0700 folder of this user (in /tmp, someone else could have made it)."""

    title = "Socket folder not private"


def make_private_folder(folder: Path) -> None:
    """Make folder 0700, or check that the one there is this user's own, private, real folder."""
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    info = folder.lstat()
    if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.getuid() or info.st_mode & 0o077:
        raise SocketFolderNotPrivate(
            f"{folder} is not a private folder of this user (owner uid {info.st_uid}, mode "
            f"{stat.filemode(info.st_mode)}); ssh masters would be reachable by others. Remove it, or set "
            "XDG_RUNTIME_DIR to a short private folder"
        )
