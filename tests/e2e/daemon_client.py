"""A user of this machine whom a nix-daemon of the test's own does not trust, and a way to run commands as them."""

from __future__ import annotations

import os
import secrets
import shutil
import subprocess
import sys
import sysconfig
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.lab import Lab
from tests.lab.procs import run, stop

REPO = Path(__file__).parents[2]


@dataclass(frozen=True)
class DaemonClient:
    """The user, the 0755 folder they can reach, and the daemon's socket."""

    user: str
    """A system user that is not in trusted-users."""
    base: Path
    """A folder outside pytest's 0700 ones; the user's home is in it."""
    socket: Path
    """The socket of the test's nix-daemon."""
    lab: Lab
    """Whose client nix.conf the daemon and the user read."""

    @property
    def home(self) -> Path:
        return self.base / "home"

    def give_home(self) -> None:
        """Hand the home (and what a root command wrote into it) to the user."""
        self.home.mkdir(exist_ok=True)
        for item in [self.home, *self.home.rglob("*")]:
            shutil.chown(item, self.user)

    def run(self, *argv: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
        """argv as the user, with only the environment a client of the daemon needs."""
        env = [
            f"HOME={self.home}",
            f"XDG_CONFIG_HOME={self.home / 'config'}",
            f"XDG_STATE_HOME={self.home / 'state'}",
            f"NIX_CONF_DIR={self.lab.dir / 'client-nix'}",
            "NIX_REMOTE=daemon",
            f"NIX_DAEMON_SOCKET_PATH={self.socket}",
            f"PYTHONPATH={_pythonpath()}",
            f"PATH={os.environ['PATH']}",
        ]
        argv_ = ["runuser", "-u", self.user, "--", "env", "-i", *env, *argv]
        return subprocess.run(argv_, capture_output=True, text=True, timeout=timeout, check=False)

    def nixswarm(self, *args: str) -> subprocess.CompletedProcess[str]:
        """The nixswarm command as the user."""
        return self.run(_python_for(self.user), "-m", "nixswarm", *args)


@contextmanager
def untrusted_daemon_client(lab: Lab) -> Iterator[DaemonClient]:
    """A nix-daemon on a private socket (trusted-users: its default, root) and a fresh user; both removed after."""
    user = f"nxu{secrets.token_hex(3)}"
    run(["useradd", "--system", "--no-create-home", "-s", "/usr/sbin/nologin", user])
    base = Path(tempfile.mkdtemp(prefix="nxu-"))
    base.chmod(0o755)
    socket_dir = base / "daemon"
    socket_dir.mkdir()
    env = {**os.environ, "NIX_DAEMON_SOCKET_PATH": str(socket_dir / "socket"),
           "NIX_CONF_DIR": str(lab.dir / "client-nix")}  # fmt: skip
    daemon = subprocess.Popen(["nix-daemon"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(100):
            if (socket_dir / "socket").exists():
                break
            time.sleep(0.05)
        socket_dir.chmod(0o755)
        lab.dir.chmod(0o755)  # the user evaluates the lab's graph and reads its nix.conf
        yield DaemonClient(user, base, socket_dir / "socket", lab)
    finally:
        stop(daemon.pid, "nix-daemon")
        daemon.wait(timeout=5)
        run(["userdel", user], check=False)
        shutil.rmtree(base, ignore_errors=True)


def _pythonpath() -> str:
    """What finds nixswarm and its dependencies from any Python of the same version."""
    return f"{REPO}:{sysconfig.get_paths()['purelib']}"


def _python_for(user: str) -> str:
    """A Python the user may run."""
    for python in (sys.executable, "/usr/bin/python3"):
        probe = subprocess.run(["runuser", "-u", user, "--", python, "-c", "pass"], capture_output=True, check=False)
        if probe.returncode == 0:
            return python
    pytest.fail(f"no Python that {user} may run")
