"""A user of this machine who talks to a nix-daemon of the test's own, and a way to run commands as them.

The untrusted variant's daemon keeps Nix's default `trusted-users = root`. The trusted variant's daemon trusts the
user, and it and the user's commands run in a private mount namespace with their own /etc/ssh/ssh_config.d,
/etc/nix and /run: the daemon's ssh (root) reads what `nixswarm write --system` writes there, and the machine's own
files are never touched.
"""

from __future__ import annotations

import os
import secrets
import shutil
import stat
import subprocess
import sys
import sysconfig
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.lab import Lab
from tests.lab.procs import cmdline, run, stop

REPO = Path(__file__).parents[2]
SSH_DROP_INS = Path("/etc/ssh/ssh_config.d")
"""Where root's ssh reads drop-ins (Debian's /etc/ssh/ssh_config includes it)."""


@dataclass(frozen=True)
class DaemonClient:
    """The user, the 0755 folder they can reach, and the daemon's socket."""

    user: str
    """A system user; the daemon trusts them only in the trusted variant."""
    base: Path
    """A folder outside pytest's 0700 ones; the user's home is in it."""
    socket: Path
    """The socket of the test's nix-daemon."""
    lab: Lab
    """Whose graph the user builds."""
    conf_dir: Path
    """The NIX_CONF_DIR of the user's Nix (the trusted variant's daemon reads the same one)."""
    xdg: tuple[str, ...] = ()
    """XDG_* settings of the user's environment; none: the defaults under HOME, as `write --system` reads them."""
    namespace: int | None = None
    """The pid whose mount namespace the daemon and every command run in (trusted variant)."""

    @property
    def home(self) -> Path:
        return self.base / "home"

    def give_home(self) -> None:
        """Hand the home (and what a root command wrote into it) to the user."""
        self.home.mkdir(exist_ok=True)
        for item in [self.home, *self.home.rglob("*")]:
            shutil.chown(item, self.user)

    def enter(self) -> list[str]:
        """The argv prefix that runs a command in the client's mount namespace (none for the untrusted variant)."""
        if self.namespace is None:
            return []
        return ["nsenter", f"--target={self.namespace}", "--mount", "--root", "--wd"]

    def environment(self) -> list[str]:
        """`NAME=value` words of the environment a client of the daemon needs."""
        return [
            f"HOME={self.home}",
            *self.xdg,
            f"NIX_CONF_DIR={self.conf_dir}",
            "NIX_REMOTE=daemon",
            f"NIX_DAEMON_SOCKET_PATH={self.socket}",
            f"PATH={os.environ['PATH']}",
        ]

    def run(self, *argv: str, timeout: float = 120, env: tuple[str, ...] = ()) -> subprocess.CompletedProcess[str]:
        """argv as the user, with only the environment a client of the daemon needs (plus env)."""
        argv_ = [*self.enter(), "runuser", "-u", self.user, "--", "env", "-i", *self.environment(), *env, *argv]
        return subprocess.run(argv_, capture_output=True, text=True, timeout=timeout, check=False)

    def nixswarm(self, *args: str, env: tuple[str, ...] = ()) -> subprocess.CompletedProcess[str]:
        """The nixswarm command as the user, with the Python of the tests' venv."""
        return self.run(sys.executable, "-m", "nixswarm", *args, env=env)

    def sudo_nixswarm(self, *args: str) -> subprocess.CompletedProcess[str]:
        """The nixswarm command as root, as `sudo` runs it for the user (SUDO_USER), in the client's namespace."""
        env = ["HOME=/root", f"SUDO_USER={self.user}", f"NIX_CONF_DIR={self.conf_dir}", f"PATH={os.environ['PATH']}"]
        argv = [*self.enter(), "env", "-i", *env, sys.executable, "-m", "nixswarm", *args]
        return subprocess.run(argv, capture_output=True, text=True, timeout=120, check=False)


@contextmanager
def untrusted_daemon_client(lab: Lab) -> Iterator[DaemonClient]:
    """A nix-daemon on a private socket (trusted-users: its default, root) and a fresh user; both removed after."""
    user = f"nxu{secrets.token_hex(3)}"
    run(["useradd", "--system", "--no-create-home", "-s", "/usr/sbin/nologin", user])
    base = Path(tempfile.mkdtemp(prefix="nxu-"))
    base.chmod(0o755)
    socket_dir = base / "daemon"
    socket_dir.mkdir()
    conf_dir = lab.dir / "client-nix"
    env = {**os.environ, "NIX_DAEMON_SOCKET_PATH": str(socket_dir / "socket"), "NIX_CONF_DIR": str(conf_dir)}
    daemon = subprocess.Popen(["nix-daemon"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        _wait_for_socket(socket_dir / "socket", daemon)
        socket_dir.chmod(0o755)
        lab.dir.chmod(0o755)  # the user evaluates the lab's graph and reads its nix.conf
        xdg = (f"XDG_CONFIG_HOME={base / 'home' / 'config'}", f"XDG_STATE_HOME={base / 'home' / 'state'}")
        client = DaemonClient(user, base, socket_dir / "socket", lab, conf_dir, xdg)
        let_user_run_python(user)
        yield client
    finally:
        stop(daemon.pid, "nix-daemon")
        daemon.wait(timeout=5)
        run(["userdel", user], check=False)
        shutil.rmtree(base, ignore_errors=True)


@contextmanager
def trusted_daemon_client(lab: Lab) -> Iterator[DaemonClient]:
    """A nix-daemon that trusts a fresh user (trusted-users in the nix.conf it shares with the user), both in a
    private mount namespace: the test's own /etc/ssh/ssh_config.d, /etc/nix and /run, and root's ~/.ssh hidden,
    so root has no key of its own. The user's home (0700, theirs) is in the passwd database, as ssh wants it."""
    if not (SSH_DROP_INS.is_dir() and "ssh_config.d" in Path("/etc/ssh/ssh_config").read_text(errors="replace")):
        pytest.fail(
            f"/etc/ssh/ssh_config does not include {SSH_DROP_INS}/*.conf: root's ssh would not read the "
            "drop-in of `nixswarm write --system` (Debian's openssh-client includes it)"
        )
    user = f"nxt{secrets.token_hex(3)}"
    base = Path(tempfile.mkdtemp(prefix="nxt-"))
    base.chmod(0o755)
    home = base / "home"
    with ExitStack() as stack:
        stack.callback(shutil.rmtree, base, ignore_errors=True)
        run(["useradd", "--system", "--no-create-home", "-d", str(home), "-s", "/usr/sbin/nologin", user])
        stack.callback(run, ["userdel", user], check=False)
        home.mkdir(mode=0o700)
        shutil.chown(home, user)
        conf_dir = base / "nix-conf"
        conf_dir.mkdir()
        (conf_dir / "nix.conf").write_text(
            (lab.dir / "client-nix" / "nix.conf").read_text() + f"trusted-users = root {user}\n"
        )
        holder = _private_mounts(base, stack)
        socket = base / "daemon" / "socket"
        socket.parent.mkdir(mode=0o755)
        env = {k: v for k, v in os.environ.items() if k not in ("SSH_AUTH_SOCK", "NIX_SSHOPTS", "NIX_REMOTE")}
        env |= {"NIX_DAEMON_SOCKET_PATH": str(socket), "NIX_CONF_DIR": str(conf_dir), "HOME": "/root"}
        client = DaemonClient(user, base, socket, lab, conf_dir, namespace=holder)
        log = (base / "daemon.log").open("w")
        stack.callback(log.close)
        daemon = subprocess.Popen(
            [*client.enter(), "nix-daemon"], env=env, stdin=subprocess.DEVNULL, stdout=log, stderr=log
        )
        stack.callback(daemon.wait, timeout=5)
        stack.callback(stop, daemon.pid, "nix-daemon")
        stack.callback(_close_root_masters, client)
        _wait_for_socket(socket, daemon)
        lab.dir.chmod(0o755)  # the user evaluates the lab's graph
        let_user_run_python(user)
        yield client


def _private_mounts(base: Path, stack: ExitStack) -> int:
    """A process holding a private mount namespace with the test's own drop-in folder, /etc/nix and /run."""
    holder = subprocess.Popen(
        ["unshare", "--mount", "--propagation", "private", "--", "sleep", "infinity"],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    stack.callback(holder.wait, timeout=5)
    stack.callback(stop, holder.pid, "sleep")
    deadline = time.monotonic() + 5
    while not cmdline(holder.pid).startswith("sleep") and time.monotonic() < deadline:
        time.sleep(0.01)
    if not cmdline(holder.pid).startswith("sleep"):
        pytest.fail(f"unshare --mount did not start: {holder.stderr.read().decode() if holder.stderr else ''}")
    enter = ["nsenter", f"--target={holder.pid}", "--mount", "--root", "--wd"]
    mounts = [(base / "ssh_config.d", SSH_DROP_INS), (base / "etc-nix", Path("/etc/nix"))]
    for source, target in mounts:
        source.mkdir(mode=0o755)
        target.mkdir(mode=0o755, parents=True, exist_ok=True)
        run([*enter, "mount", "--bind", str(source), str(target)])
    run([*enter, "mount", "-t", "tmpfs", "-o", "mode=0755", "nxt-run", "/run"])
    if Path("/root/.ssh").is_dir():  # root's own keys and ssh config: the daemon's ssh must not have them
        run([*enter, "mount", "-t", "tmpfs", "-o", "mode=0700", "nxt-root-ssh", "/root/.ssh"])
    return holder.pid


def _close_root_masters(client: DaemonClient) -> None:
    """Close the ssh masters the daemon's ssh left behind (ControlPersist of the drop-in)."""
    assert client.namespace is not None
    folder = Path(f"/proc/{client.namespace}/root/run/nixswarm-ssh")
    for socket in folder.iterdir() if folder.is_dir() else []:
        run(
            [*client.enter(), "ssh", "-o", f"ControlPath=/run/nixswarm-ssh/{socket.name}", "-O", "exit", "nxt"],
            check=False,
            timeout=10,
        )


def _wait_for_socket(socket: Path, daemon: subprocess.Popen[bytes]) -> None:
    for _ in range(200):
        if socket.exists():
            return
        if daemon.poll() is not None:
            break
        time.sleep(0.05)
    pytest.fail(f"the test's nix-daemon did not make {socket} (exit {daemon.poll()})")


def let_user_run_python(user: str) -> None:
    """Let user run the tests' own Python (sys.executable, with nixswarm and its dependencies in its venv).

    Others get search (x) permission on every folder down to the interpreter, its standard library, the venv and
    this repository, and read (r) on the folders Python lists; nothing else is opened up, and nothing secret lies
    in those folders. Fails naming the folder when the user still cannot import nixswarm.
    """
    paths = sysconfig.get_paths()
    listed = {Path(sys.prefix), Path(sys.base_prefix), Path(paths["stdlib"]), Path(paths["purelib"]), REPO}
    needed = {*listed, Path(os.path.realpath(sys.executable)).parent}
    for path in needed:
        for folder in [*reversed(path.parents), path]:
            _add_mode(folder, stat.S_IXOTH | (stat.S_IROTH if folder in listed else 0))
    probe = subprocess.run(
        ["runuser", "-u", user, "--", sys.executable, "-c", "import nixswarm.cli.main, textual"],
        capture_output=True,
        text=True,
        cwd="/",
        check=False,
    )
    if probe.returncode != 0:
        pytest.fail(f"user {user} cannot run {sys.executable} with nixswarm (venv {sys.prefix}): {probe.stderr}")


def _add_mode(folder: Path, bits: int) -> None:
    mode = folder.stat().st_mode
    if stat.S_ISDIR(mode) and mode & bits != bits:
        folder.chmod(stat.S_IMODE(mode) | bits)
