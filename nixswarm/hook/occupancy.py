"""Which output locks are held right now, from /proc/locks: a derivation sent local holds them until it is built.

Nix computes amWilling from the local builds it has started. Nix 2.8 starts a declined derivation only after it has
asked about every other ready one, so in that pass amWilling stays 1 however many were declined; a declined
derivation holds its output locks from the moment it was asked, which is the reliable count.
"""

from __future__ import annotations

import os

from nixswarm.hook.readfile import read_whole

PROC_LOCKS = "/proc/locks"


def held_locks(path: str = PROC_LOCKS) -> set[tuple[int, int, int]] | None:
    """(major, minor, inode) of every granted lock; None where /proc/locks cannot be read (not Linux)."""
    try:
        data = read_whole(path)
    except OSError:
        return None
    held = set()
    for line in data.decode("ascii", "replace").splitlines():
        fields = line.split()
        if len(fields) < 6 or fields[1] == "->":  # "->": a process waiting for the lock, not holding it
            continue
        try:
            major, minor, inode = fields[5].split(":")
            held.add((int(major, 16), int(minor, 16), int(inode)))
        except ValueError:
            continue
    return held


def is_held(lock_file: str, held: set[tuple[int, int, int]]) -> bool:
    """lock_file exists and someone holds a lock on it."""
    try:
        st = os.stat(lock_file)  # noqa: PTH116 (pathlib costs ~15 ms per hook start)
    except OSError:
        return False
    return (os.major(st.st_dev), os.minor(st.st_dev), st.st_ino) in held
