"""Open the history database: WAL for writers in several processes, a corrupt file set aside for a fresh one."""

from __future__ import annotations

import contextlib
import os
import sqlite3
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from nixswarm.history.schema import NewerSchema, SchemaError, ensure_schema

BUSY_SECONDS = 10.0
"""How long a writer waits for another (two builds and a TUI may write at once)."""

T = TypeVar("T")

_CORRUPT_CODES = frozenset({11, 26})
"""SQLITE_CORRUPT and SQLITE_NOTADB: the file's bytes are wrong, not its lock or its permissions."""


@dataclass(frozen=True)
class Opened:
    """The database, or why there is none."""

    db: sqlite3.Connection | None
    """Ready to use; None when it could not be opened (or, for a reader, does not exist)."""
    warning: str = ""
    """What the user should know: a corrupt file set aside, or why there is no database."""


class Corrupt(Exception):
    """The file is not a history database this nixswarm can use."""


BUSY_CODES = frozenset({5, 6})
"""SQLITE_BUSY and SQLITE_LOCKED: another process holds the file for a moment."""


def _connect(path: Path, check: bool) -> sqlite3.Connection:
    """_connect_once, tried again while another process holds the file (some steps of opening, such as switching
    to WAL or recovering the log another left, answer busy at once instead of waiting), for up to BUSY_SECONDS."""
    deadline = time.monotonic() + BUSY_SECONDS
    pause = 0.01
    while True:
        try:
            return _connect_once(path, check)
        except sqlite3.OperationalError as err:
            code = getattr(err, "sqlite_errorcode", None)
            if code is None or code & 0xFF not in BUSY_CODES or time.monotonic() + pause > deadline:
                raise
        time.sleep(pause)
        pause = min(pause * 2, 0.2)


def _connect_once(path: Path, check: bool) -> sqlite3.Connection:
    db = sqlite3.connect(path, timeout=BUSY_SECONDS, isolation_level=None, check_same_thread=False)
    try:
        db.execute(f"PRAGMA busy_timeout = {int(BUSY_SECONDS * 1000)}")
        if db.execute("PRAGMA journal_mode = WAL").fetchone()[0] != "wal":
            raise Corrupt("cannot switch to WAL journal mode")
        db.execute("PRAGMA synchronous = NORMAL")
        checked = db.execute("PRAGMA quick_check").fetchone()[0] if check else "ok"
        if checked != "ok":
            raise Corrupt(f"quick_check: {checked}")
        ensure_schema(db)
    except BaseException:
        db.close()
        raise
    return db


def _is_corrupt(err: sqlite3.DatabaseError) -> bool:
    code = getattr(err, "sqlite_errorcode", None)
    if code is not None:
        return code & 0xFF in _CORRUPT_CODES
    return not isinstance(err, sqlite3.OperationalError)


def set_aside(path: Path) -> Path:
    """Rename the database (and its -wal and -shm files) to `NAME.corrupt-<UTC time>`; the new name."""
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    aside = path.with_name(f"{path.name}.corrupt-{stamp}")
    number = 1
    while aside.exists():
        number += 1
        aside = path.with_name(f"{path.name}.corrupt-{stamp}-{number}")
    with contextlib.suppress(FileNotFoundError):  # another process set it aside first
        path.rename(aside)
    for suffix in ("-wal", "-shm"):
        with contextlib.suppress(FileNotFoundError):
            path.with_name(path.name + suffix).rename(aside.with_name(aside.name + suffix))
    return aside


def _set_aside_warning(path: Path, reason: str) -> str:
    aside = set_aside(path)
    return f"history: {path} could not be read ({reason}); moved it to {aside.name} and started a new one"


def _create(path: Path) -> None:
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_CLOEXEC, 0o600))


def open_history(path: Path, *, create: bool = True) -> Opened:
    """The database at path, migrated to the current schema; never raises for the file's state.

    A corrupt file (not SQLite, a failed quick_check, tables it cannot read) is set aside with a warning and a fresh
    database started in its place. Without create (a reader), a missing file is no database and no warning, and
    the quick_check, which reads every page, is left to the next build: a reader sets the file aside only when
    what it reads is damaged (read_history).
    """
    try:
        if not path.exists():
            if not create:
                return Opened(None)
            _create(path)
        try:
            return Opened(_connect(path, check=create))
        except sqlite3.DatabaseError as err:
            if not _is_corrupt(err):
                raise
            reason = str(err)
        except (Corrupt, SchemaError) as err:
            reason = str(err)
        warning = _set_aside_warning(path, reason)
        if not create:
            return Opened(None, warning)
        _create(path)
        return Opened(_connect(path, check=False), warning)
    except NewerSchema as err:
        return Opened(None, f"history: {path}: {err}; not used")
    except (OSError, sqlite3.Error, Corrupt, SchemaError) as err:
        return Opened(None, f"history: {path}: cannot open it ({err})")


def read_history(path: Path, query: Callable[[sqlite3.Connection], T]) -> tuple[T | None, str]:
    """What query answers from the database at path (None when there is none yet), and open_history's warning."""
    opened = open_history(path, create=False)
    if opened.db is None:
        return None, opened.warning
    try:
        return query(opened.db), opened.warning
    except sqlite3.DatabaseError as err:
        if not _is_corrupt(err):
            return None, f"history: {path}: cannot read it ({err})"
        opened.db.close()
        return None, _set_aside_warning(path, str(err))
    finally:
        opened.db.close()
