"""Build users of lab hosts: ids free in every Nix root of this machine, since all of them share one kernel.

Nix kills every process of a build user before a build; two roots handing out the same uid (each `useradd --system`
counts down from 999 in its own /etc/passwd) made builders of different Nix versions kill each other's builds.
"""

from __future__ import annotations

import contextlib
import fcntl
import random
from collections.abc import Iterable, Iterator
from pathlib import Path

from tests.lab.nixroots import CACHE, host_root, roots
from tests.lab.procs import run

ID_RANGE = range(20000, 60000)


@contextlib.contextmanager
def _ids_lock() -> Iterator[None]:
    """One lock for every view of this machine (the host's root is visible from each chroot)."""
    folder = host_root() / str(CACHE).lstrip("/")
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / ".ids.lock").open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield


def _taken(all_roots: Iterable[Path]) -> set[int]:
    ids: set[int] = set()
    for root in all_roots:
        for table in ("etc/passwd", "etc/group"):
            with contextlib.suppress(OSError):
                for line in (root / table).read_text().splitlines():
                    fields = line.split(":")
                    if len(fields) > 2 and fields[2].isdigit():
                        ids.add(int(fields[2]))
    return ids


def _where(root: Path) -> list[str]:
    return [] if root == Path("/") else ["--root", str(root)]


def add_build_users(group: str, users: list[str], in_roots: Iterable[Path]) -> None:
    """Make group and its users (members, as Nix wants them) in each root, with ids no root here uses."""
    targets = list(dict.fromkeys(in_roots))
    with _ids_lock():
        taken = _taken({Path("/"), host_root(), *roots().values(), *targets})
        start = random.choice(
            [
                i
                for i in range(ID_RANGE.start, ID_RANGE.stop, 64)
                if not taken.intersection(range(i, i + len(users) + 1))
            ]
        )
        gid = start
        for root in targets:
            run(["groupadd", *_where(root), "-g", str(gid), group])
            for offset, user in enumerate(users, start=1):
                run(
                    [
                        "useradd",
                        *_where(root),
                        "-u",
                        str(start + offset),
                        "-g",
                        str(gid),
                        "-G",
                        group,
                        "-M",
                        "-s",
                        "/usr/sbin/nologin",
                        user,
                    ]
                )


def remove_build_users(group: object, users: Iterable[object], in_roots: Iterable[Path]) -> None:
    """Remove them again from each root; never raises."""
    for root in dict.fromkeys(in_roots):
        for user in users:
            run(["userdel", *_where(root), str(user)], check=False)
        if group:
            run(["groupdel", *_where(root), str(group)], check=False)
