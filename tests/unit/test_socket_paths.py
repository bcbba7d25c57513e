"""ssh can bind every ControlMaster socket nixswarm names, whatever $XDG_RUNTIME_DIR and $TMPDIR are."""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from nixswarm.build import workdir
from nixswarm.build.workdir import BuildDir, make_build_dir
from nixswarm.model.host import Host
from nixswarm.ssh.config_render import Transport, render_ssh_config
from nixswarm.store import paths
from nixswarm.store.control_sockets import (
    SHORT_BASE,
    SOCKET_MAX,
    SUN_PATH_BYTES,
    SocketFolderNotPrivate,
    SocketFolderTooLong,
    make_private_folder,
)

MASTER_TAIL = len("/") + 40 + len(".") + 16
"""What ssh adds to a control folder when a master binds: /%C, then a dot and 16 random characters (mux.c)."""
BUILD_TAIL = len("/nixswarm-build-12345678/cm")
"""What make_build_dir adds to its base: mkdtemp's folder and the control folder."""
WRITE_TAIL = len("/nixswarm-ssh")
"""What `nixswarm write` adds to $XDG_RUNTIME_DIR."""


@pytest.fixture
def short_tmp() -> Iterator[Path]:
    """A fresh folder right under /tmp, short enough to grow folders of any length the tests need."""
    folder = Path(tempfile.mkdtemp(dir=SHORT_BASE))
    yield folder
    shutil.rmtree(folder)


@pytest.fixture
def build_dir() -> Iterator[Callable[[], BuildDir]]:
    """make_build_dir, with every folder it made removed after the test (some land in /tmp itself)."""
    made: list[BuildDir] = []

    def make() -> BuildDir:
        made.append(make_build_dir())
        return made[-1]

    yield make
    for where in made:
        shutil.rmtree(where.root, ignore_errors=True)


def folder_of_length(base: Path, length: int) -> Path:
    """A real folder under base whose path is exactly length characters long."""
    name = length - len(str(base)) - 1
    assert name >= 1, f"{base} is too long to grow a {length}-character folder"
    folder = base / ("d" * name)
    folder.mkdir()
    assert len(str(folder)) == length
    return folder


def master_paths(control_dir: Path) -> tuple[str, str]:
    """The socket of one master in control_dir, and the longer temporary path ssh binds first."""
    final = str(control_dir / ("0123456789abcdef0123456789abcdef01234567"))
    return final, f"{final}.zZp4EjqlpuVQVlwd"


def bind(path: str) -> None:
    """Bind a real unix socket at path (the kernel's answer, not our arithmetic)."""
    with socket.socket(socket.AF_UNIX) as sock:
        sock.bind(path)


def ssh_refuses_as_too_long(control_path: str) -> bool:
    """Whether OpenSSH itself rejects control_path as too long for a unix socket."""
    ssh = subprocess.run(
        ["ssh", "-F", "/dev/null", "-o", f"ControlPath={control_path}", "-O", "check", "nixswarm-nowhere"],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=10,
        check=False,
    )
    assert ssh.returncode != 0, ssh.stderr  # nothing listens there
    return "too long" in ssh.stderr


def test_the_limit_is_the_platforms_sun_path_less_its_nul() -> None:
    sun_path = 108 if sys.platform.startswith("linux") else 104
    assert (sun_path, sun_path - 1) == (SUN_PATH_BYTES, SOCKET_MAX)
    assert (BUILD_TAIL, WRITE_TAIL, MASTER_TAIL) == (27, 13, 58)


def test_a_socket_path_of_exactly_the_limit_binds_and_ssh_takes_it_but_not_one_byte_more(short_tmp: Path) -> None:
    longest = str(short_tmp / ("s" * (SOCKET_MAX - len(str(short_tmp)) - 1)))
    assert len(longest) == SOCKET_MAX
    bind(longest)
    assert Path(longest).is_socket()
    if shutil.which("ssh") is None:
        pytest.skip("no ssh on PATH to ask")
    assert not ssh_refuses_as_too_long(longest)
    assert ssh_refuses_as_too_long(longest + "x")


def test_a_build_under_the_longest_runtime_dir_that_fits_binds_a_master_at_exactly_the_limit(
    short_tmp: Path, build_dir: Callable[[], BuildDir], monkeypatch: pytest.MonkeyPatch
) -> None:
    runtime = folder_of_length(short_tmp, SOCKET_MAX - BUILD_TAIL - MASTER_TAIL)  # 22 characters on Linux
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(runtime))
    where = build_dir()
    assert where.root.parent == runtime
    where.control_dir.mkdir(mode=0o700)
    final, temporary = master_paths(where.control_dir)
    assert len(os.fsencode(temporary)) == SOCKET_MAX
    bind(temporary)
    bind(final)


def test_a_runtime_dir_one_character_too_long_puts_the_build_in_a_private_folder_in_tmp(
    short_tmp: Path, build_dir: Callable[[], BuildDir], monkeypatch: pytest.MonkeyPatch
) -> None:
    runtime = folder_of_length(short_tmp, SOCKET_MAX - BUILD_TAIL - MASTER_TAIL + 1)
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(runtime))
    where = build_dir()
    assert where.root.parent == SHORT_BASE
    assert where.root.stat().st_mode & 0o777 == 0o700
    assert list(runtime.iterdir()) == []  # the folder tried there first is gone
    where.control_dir.mkdir(mode=0o700)
    final, temporary = master_paths(where.control_dir)
    assert len(os.fsencode(temporary)) <= SOCKET_MAX
    bind(temporary)
    bind(final)


def test_without_a_runtime_dir_a_build_goes_to_tmp_and_never_to_a_long_tmpdir(
    short_tmp: Path, build_dir: Callable[[], BuildDir], monkeypatch: pytest.MonkeyPatch
) -> None:
    long_tmpdir = folder_of_length(short_tmp, 60)  # macOS's $TMPDIR is /var/folders/xx/.../T/, about 50
    monkeypatch.delenv("XDG_RUNTIME_DIR")
    monkeypatch.setenv("TMPDIR", str(long_tmpdir))
    monkeypatch.setattr(tempfile, "tempdir", None)  # tempfile caches $TMPDIR: make it read ours
    assert tempfile.gettempdir() == str(long_tmpdir)
    where = build_dir()
    assert where.root.parent == SHORT_BASE
    assert where.root.stat().st_mode & 0o777 == 0o700
    assert list(long_tmpdir.iterdir()) == []
    where.control_dir.mkdir(mode=0o700)
    final, temporary = master_paths(where.control_dir)
    assert len(os.fsencode(temporary)) <= SOCKET_MAX
    bind(temporary)
    bind(final)


@pytest.mark.parametrize("runtime_length", [None, 5, 22, 23, 40, 90, 200])
def test_a_master_with_its_temporary_suffix_fits_in_every_build_folder(
    runtime_length: int | None, short_tmp: Path, build_dir: Callable[[], BuildDir], monkeypatch: pytest.MonkeyPatch
) -> None:
    if runtime_length is None:
        monkeypatch.delenv("XDG_RUNTIME_DIR")
    elif runtime_length < len(str(short_tmp)) + 2:
        monkeypatch.setenv("XDG_RUNTIME_DIR", "/" + "r" * (runtime_length - 1))  # too short to make: not a folder
    else:
        monkeypatch.setenv("XDG_RUNTIME_DIR", str(folder_of_length(short_tmp, runtime_length)))
    _, temporary = master_paths(build_dir().control_dir)
    assert len(os.fsencode(temporary)) <= SOCKET_MAX


def test_when_even_tmp_is_too_long_the_build_stops_with_an_error_naming_the_folder(
    short_tmp: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    long_base = folder_of_length(short_tmp, SOCKET_MAX - BUILD_TAIL - MASTER_TAIL + 1)
    monkeypatch.delenv("XDG_RUNTIME_DIR")
    monkeypatch.setattr(workdir, "SHORT_BASE", long_base)
    with pytest.raises(SocketFolderTooLong, match=f"{long_base}/nixswarm-build-.* is too long.*at most {SOCKET_MAX}"):
        make_build_dir()
    assert list(long_base.iterdir()) == []


def test_the_write_control_folder_under_the_longest_runtime_dir_that_fits_binds_at_exactly_the_limit(
    short_tmp: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    runtime = folder_of_length(short_tmp, SOCKET_MAX - WRITE_TAIL - MASTER_TAIL)  # 36 characters on Linux
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(runtime))
    control = paths.control_dir()
    assert control == runtime / "nixswarm-ssh"
    control.mkdir(mode=0o700)
    final, temporary = master_paths(control)
    assert len(os.fsencode(temporary)) == SOCKET_MAX
    bind(temporary)
    bind(final)


@pytest.mark.parametrize("runtime_length", [None, 37, 90])
def test_the_write_control_folder_falls_back_to_tmp_when_the_runtime_dir_is_unset_or_too_long(
    runtime_length: int | None, short_tmp: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TMPDIR", str(folder_of_length(short_tmp, 60)))
    monkeypatch.setattr(tempfile, "tempdir", None)
    if runtime_length is None:
        monkeypatch.delenv("XDG_RUNTIME_DIR")
    else:
        monkeypatch.setenv("XDG_RUNTIME_DIR", str(folder_of_length(short_tmp, runtime_length)))
    control = paths.control_dir()
    assert control == SHORT_BASE / f"nixswarm-ssh-{os.getuid()}"
    _, temporary = master_paths(control)
    assert len(os.fsencode(temporary)) <= SOCKET_MAX


def test_the_write_control_folder_is_an_error_when_even_its_fallback_is_too_long(
    short_tmp: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("XDG_RUNTIME_DIR")
    monkeypatch.setattr(paths, "SHORT_BASE", folder_of_length(short_tmp, SOCKET_MAX - MASTER_TAIL))
    with pytest.raises(SocketFolderTooLong, match=r"nixswarm-ssh-\d+ is too long"):
        paths.control_dir()


def test_the_ssh_config_names_each_socket_folder_slash_percent_c_and_ssh_makes_that_40_characters() -> None:
    config = render_ssh_config([Host("b1", ("10.0.0.2",))], Transport(control_dir="/run/x"))
    assert "  ControlPath /run/x/%C\n" in config
    if shutil.which("ssh") is None:
        pytest.skip("no ssh on PATH to ask")
    ssh = subprocess.run(
        ["ssh", "-F", "/dev/null", "-G", "-o", "ControlPath=/run/x/%C", "-p", "2222", "someone@b1.example"],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=10,
        check=True,
    )
    expanded = [line.split(" ", 1)[1] for line in ssh.stdout.splitlines() if line.startswith("controlpath ")]
    assert len(expanded) == 1
    assert re.fullmatch(r"/run/x/[0-9a-f]{40}", expanded[0])


def test_a_socket_folder_someone_else_made_in_tmp_is_refused(tmp_path: Path) -> None:
    planted = tmp_path / "nixswarm-ssh-planted"
    planted.mkdir(mode=0o755)
    planted.chmod(0o755)
    with pytest.raises(SocketFolderNotPrivate, match="not a private folder"):
        make_private_folder(planted)
    link = tmp_path / "nixswarm-ssh-link"
    link.symlink_to(tmp_path)
    with pytest.raises(SocketFolderNotPrivate):
        make_private_folder(link)


def test_a_new_socket_folder_is_made_private(tmp_path: Path) -> None:
    folder = tmp_path / "a" / "nixswarm-ssh"
    make_private_folder(folder)
    assert folder.stat().st_mode & 0o777 == 0o700
    make_private_folder(folder)  # a second time: its own folder is fine
