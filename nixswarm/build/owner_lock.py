"""A build folder's owner lock: held while its build lives, so a folder whose lock is free was left by a killed one.

Masters of a build persist until the build closes them (they must never expire mid-build, see workdir). When
nixswarm is killed, the next build finds the dead one's folder by its free lock, closes its masters and removes it.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import stat
from collections.abc import Callable
from pathlib import Path

LOCK = "owner.lock"


def hold(root: Path) -> int:
    """Take root's lock for this process (a file descriptor, closed by release or by the process's death).

    The lock file is flocked under a temporary name, then renamed into place, so no one ever sees it unlocked."""
    temporary = root / f".{LOCK}.{os.getpid()}"
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o600)
    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    temporary.rename(root / LOCK)
    return fd


def release(fd: int) -> None:
    """Let the lock go."""
    with contextlib.suppress(OSError):
        os.close(fd)


def sweep(base: Path, prefix: str, remove: Callable[[Path], None]) -> list[Path]:
    """remove() each folder of this user's in base whose name starts with prefix and whose owner is gone."""
    removed = []
    with contextlib.suppress(OSError):
        for folder in base.iterdir():
            if folder.name.startswith(prefix) and _abandoned(folder):
                remove(folder)
                removed.append(folder)
    return removed


def own_folder(path: Path) -> bool:
    """Whether path is a folder (not a link) of this user's."""
    try:
        info = path.lstat()
    except OSError:
        return False
    return stat.S_ISDIR(info.st_mode) and info.st_uid == os.getuid()


def _abandoned(folder: Path) -> bool:
    if not own_folder(folder):
        return False
    try:
        fd = os.open(folder / LOCK, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC)
    except OSError:
        return False  # no lock file: a folder in the making, or not one of ours
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return False  # its build is alive
    finally:
        os.close(fd)
    return True
