"""The lab: N builder hosts in network namespaces on a private bridge, each with sshd and its own Nix store."""

from __future__ import annotations

import contextlib
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Literal

from tests.lab.build_users import add_build_users, remove_build_users
from tests.lab.loadavg import FILE as LOADAVG
from tests.lab.loadavg import WHOLE_PROC, write_load
from tests.lab.nixroots import NixRootMissing, root_for
from tests.lab.procs import cmdline, read_until, run, stop
from tests.lab.traffic import counter, peer_name, veth_name

State = Literal["up", "refused", "blackhole"]
REGISTRY = Path("/tmp/nixswarm-lab-registry")
SSHD = "/usr/sbin/sshd"
CLIENT_BUILD_USERS = 4
SSHD_HERE = (
    'mount --bind "$1" /nix && mount --bind "$2" /etc/nix && mount --bind "$3" /root '
    '&& mount --bind "${10}" /proc/loadavg && mount -t proc proc "${11}" '
    '&& hostname "$4" && exec "$5" -D -f "$6" -E "$7"'
)
"""A builder on the tests' own Nix: its store, nix.conf, home and load (tests/lab/loadavg.py) over the machine's, in
its own mount namespace. The kernel lets a sandbox (a user namespace) mount a new proc only while some proc mount is
fully visible: the load's bind hides a file of /proc, so a second proc with nothing over it stays beside it."""
SSHD_IN_ROOT = (
    'r="$8" && mkdir -p "$r/nix" "$r/etc/nix" "$r$9" "$r/mnt/nixswarm-oldroot" && mount --bind "$r" "$r" '
    '&& mount --bind "$1" "$r/nix" && mount --bind "$2" "$r/etc/nix" && mount --bind "$3" "$r/root" '
    '&& mount --rbind /dev "$r/dev" && mount -t proc proc "$r/proc" && mount --bind "${10}" "$r/proc/loadavg" '
    '&& mount --rbind /sys "$r/sys" '
    '&& mount -t tmpfs tmpfs "$r/run" && mkdir -p "$r/run/sshd" && mount --bind "$9" "$r$9" '
    '&& mount -t proc proc "$r${11}" '
    '&& hostname "$4" && cd "$r" && pivot_root . mnt/nixswarm-oldroot && umount -l /mnt/nixswarm-oldroot '
    '&& exec chroot . "$5" -D -f "$6" -E "$7"'
)
"""A builder on another Nix: the same, with that Nix's chroot as the root of its mount namespace (the lab's folder
bound at the same path). pivot_root, not a bare chroot: the kernel refuses user namespaces to a chrooted process,
and newer Nix then silently builds without its sandbox (sandbox-fallback)."""
BLACKHOLE_NFT = "table inet nxlab {\n chain input {\n  type filter hook input priority 0;\n  tcp dport 22 drop\n }\n}\n"


class LabUnavailable(RuntimeError):
    """This machine cannot make the lab (not root, no namespaces, missing packages)."""


@dataclass(frozen=True)
class BuilderSpec:
    """Options of one builder."""

    systems: tuple[str, ...] = ("x86_64-linux",)
    """Column 2 and the builder's extra-platforms."""
    features: tuple[str, ...] = ("big-parallel",)
    """Its system-features."""
    max_jobs: int = 1
    """Build slots (and build users)."""
    state: State = "up"
    """up, refused (no sshd) or blackhole (tcp/22 dropped)."""
    nix: str | None = None
    """Its Nix series (2.8, 2.26, 2.34): None is the Nix the tests run with."""
    load: float = 0.0
    """The 1-, 5- and 15-minute load its /proc/loadavg says (Lab.set_load changes it)."""


@dataclass
class Builder:
    """A running builder host."""

    name: str
    namespace: str
    address: str
    dir: Path
    spec: BuilderSpec
    lab_id: str
    host_key_path: Path
    port: int = 22
    user: str = "root"
    state: State = "up"
    pid: int | None = None
    procs: list[tuple[subprocess.Popen[str], str]] = field(default_factory=list)
    """Processes started in the builder's namespaces (advertisers), with their /proc marker."""
    group: str = ""
    users: list[str] = field(default_factory=list)
    root: Path = Path("/")
    """The root whose Nix and sshd it runs ("/" or a chroot of tests/matrix/nixroot.sh)."""

    @property
    def host_key_line(self) -> str:
        """`ssh-ed25519 AAAA...` without the comment."""
        return " ".join(self.host_key_path.read_text().split()[:2])

    @property
    def systems(self) -> tuple[str, ...]:
        return self.spec.systems

    @property
    def features(self) -> tuple[str, ...]:
        return self.spec.features

    @property
    def max_jobs(self) -> int:
        return self.spec.max_jobs

    def fingerprint(self) -> str:
        """What `ssh-keygen -lf` says of the host key."""
        return run(["ssh-keygen", "-lf", str(self.host_key_path)]).stdout.split()[1]


class Lab:
    """Create with `with Lab(specs) as lab:`; teardown always runs and removes everything it made."""

    def __init__(self, specs: list[BuilderSpec]) -> None:
        self.specs = specs
        self.run_id = _fresh_run_id()
        self.dir = Path(tempfile.mkdtemp(prefix=f"nxlab-{self.run_id}-"))
        # newer Nix sets up its sandbox inside a user namespace: the /lab-id source must be reachable by anyone
        self.dir.chmod(0o711)
        self.subnet = self._free_subnet()
        self.bridge = f"nxb{self.run_id}"
        self.bridge_address = f"10.77.{self.subnet}.1"
        self.builders: list[Builder] = []
        self.client_key = self.dir / "client_key"
        self.graph_dir = self.dir / "graph"
        self.client_group = f"nx{self.run_id}c"
        self.client_users: list[str] = []
        self.roots: dict[str | None, Path] = {}

    # ---- set-up -------------------------------------------------------------------------------
    def __enter__(self) -> Lab:
        try:
            self._check()
            _cleanup_leftovers()
            self._register()
            self._setup()
        except BaseException:
            self.teardown()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        self.teardown()

    def _check(self) -> None:
        if os.geteuid() != 0:
            raise LabUnavailable("the lab needs root (network namespaces, sshd, build users)")
        for tool in ("ip", "nft", "nix-build", "ssh-keygen", "unshare", "useradd"):
            if shutil.which(tool) is None:
                raise LabUnavailable(f"`{tool}` is missing (tests/run.sh installs it)")
        if not Path(SSHD).exists() or not Path("/bin/busybox").exists():
            raise LabUnavailable("openssh-server or busybox-static is missing (tests/run.sh installs them)")
        try:
            self.roots = {spec.nix: root_for(spec.nix) for spec in self.specs}
        except NixRootMissing as err:
            raise LabUnavailable(str(err)) from err
        # what a fresh machine lacks: the mount points of each builder's store and nix.conf, sshd's own folder
        for folder in ("/nix", "/etc/nix", "/run/sshd"):
            Path(folder).mkdir(mode=0o755, parents=True, exist_ok=True)

    def _free_subnet(self) -> int:
        used = run(["ip", "-4", "route"], check=False).stdout
        for _ in range(200):
            candidate = random.randrange(20, 250)
            if f"10.77.{candidate}." not in used:
                return candidate
        raise LabUnavailable("no free 10.77.X.0/24 subnet")

    def _register(self) -> None:
        REGISTRY.mkdir(mode=0o700, exist_ok=True)
        (REGISTRY / f"{self.run_id}.json").write_text(json.dumps({"owner": os.getpid(), "dir": str(self.dir)}))

    def _record(self) -> None:
        data = {
            "owner": os.getpid(),
            "dir": str(self.dir),
            "bridge": self.bridge,
            "client": {"group": self.client_group, "users": self.client_users},
            "builders": [_builder_record(b) for b in self.builders],
        }
        (REGISTRY / f"{self.run_id}.json").write_text(json.dumps(data))

    def _setup(self) -> None:
        run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "nxlab-client", "-f", str(self.client_key)])
        self._record()
        self._make_client_users()
        self._record()
        run(["ip", "link", "add", self.bridge, "type", "bridge"])
        run(["ip", "addr", "add", f"{self.bridge_address}/24", "dev", self.bridge])
        run(["ip", "link", "set", self.bridge, "up"])
        for index, spec in enumerate(self.specs, start=1):
            self._make_builder(index, spec)
            self._record()
        for builder in self.builders:
            if builder.spec.state != "refused":
                self.start_sshd(builder)
            if builder.spec.state == "blackhole":
                self.blackhole(builder)
        self._record()
        (self.dir / "client-nix").mkdir()
        (self.dir / "client-nix" / "nix.conf").write_text(
            "experimental-features = nix-command flakes\nsubstituters =\nsandbox = true\nbuilders =\n"
            f"build-users-group = {self.client_group}\n"
        )

    def _make_client_users(self) -> None:
        """The client's own build users: Debian's nix-bin makes no nixbld group, and Nix's default names it."""
        self.client_users = [f"nx{self.run_id}c{k}" for k in range(1, CLIENT_BUILD_USERS + 1)]
        self._record()
        add_build_users(self.client_group, self.client_users, [Path("/")])

    def _make_builder(self, index: int, spec: BuilderSpec) -> Builder:
        name = f"b{index}"
        ns = f"nx{self.run_id}b{index}"
        bdir = self.dir / name
        for sub in ("nix", "etc-nix", "home/.ssh", WHOLE_PROC):
            (bdir / sub).mkdir(parents=True)
        host_key = bdir / "host_key"
        run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", f"nxlab-{name}", "-f", str(host_key)])
        builder = Builder(
            name, ns, f"10.77.{self.subnet}.{10 + index}", bdir, spec, f"{name}-{self.run_id}", Path(f"{host_key}.pub")
        )
        builder.root = self.roots.get(spec.nix, Path("/"))
        # known before it exists, so a set-up that fails half-way still removes it
        self.builders.append(builder)
        builder.group = f"nx{self.run_id}g{index}"
        builder.users = [f"nx{self.run_id}u{index}x{k}" for k in range(1, spec.max_jobs + 1)]
        self._record()
        add_build_users(builder.group, builder.users, [Path("/"), builder.root])
        (bdir / "lab-id").write_text(builder.lab_id + "\n")
        write_load(bdir / LOADAVG, spec.load)
        (bdir / "etc-nix" / "nix.conf").write_text(
            f"build-users-group = {builder.group}\nsandbox = true\nsubstituters =\n"
            f"experimental-features = nix-command\nextra-sandbox-paths = /lab-id={bdir / 'lab-id'}\n"
            f"system-features = {' '.join(spec.features)}\nextra-platforms = {' '.join(spec.systems[1:])}\n"
            f"max-jobs = {spec.max_jobs}\ntrusted-users = root\n"
        )
        (bdir / "authorized_keys").write_text(Path(f"{self.client_key}.pub").read_text())
        (bdir / "sshd_config").write_text(
            f"ListenAddress {builder.address}:22\nHostKey {host_key}\nPidFile {bdir / 'sshd.pid'}\n"
            f"AuthorizedKeysFile {bdir / 'authorized_keys'}\nUsePAM no\nPermitRootLogin prohibit-password\n"
            "PasswordAuthentication no\nKbdInteractiveAuthentication no\nStrictModes no\n"
            "MaxStartups 100:30:200\nMaxSessions 100\nUseDNS no\nPrintMotd no\n"
        )
        run(["ip", "netns", "add", ns])
        self._record()
        veth, peer = veth_name(self.run_id, index), peer_name(self.run_id, index)
        run(["ip", "link", "add", veth, "type", "veth", "peer", "name", peer])
        run(["ip", "link", "set", peer, "netns", ns])
        run(["ip", "link", "set", veth, "master", self.bridge])
        run(["ip", "link", "set", veth, "up"])
        run(["ip", "-n", ns, "addr", "add", f"{builder.address}/24", "dev", peer])
        run(["ip", "-n", ns, "link", "set", peer, "up"])
        run(["ip", "-n", ns, "link", "set", "lo", "up"])
        return builder

    # ---- builder control ------------------------------------------------------------------------
    def start_sshd(self, builder: Builder) -> None:
        """Start the builder's sshd in its own mount namespace (its own /nix, /etc/nix and a clean home)."""
        bdir = builder.dir
        start_log = bdir / "sshd-start.log"
        with start_log.open("w") as errors:
            proc = subprocess.Popen(
                _in_namespaces(
                    builder,
                    SSHD_IN_ROOT if builder.root != Path("/") else SSHD_HERE,
                    str(bdir / "nix"),
                    str(bdir / "etc-nix"),
                    str(bdir / "home"),
                    builder.name,
                    SSHD,
                    str(bdir / "sshd_config"),
                    str(bdir / "sshd.log"),
                    str(builder.root),
                    str(self.dir),
                    str(bdir / LOADAVG),
                    str(bdir / WHOLE_PROC),
                ),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=errors,
            )
        builder.pid = proc.pid
        builder.state = "up"
        self._record()
        deadline = time.monotonic() + (15 if builder.root != Path("/") else 5)
        while time.monotonic() < deadline and proc.poll() is None:
            with contextlib.suppress(OSError), socket.create_connection((builder.address, 22), timeout=0.2):
                return
            time.sleep(0.02)
        raise LabUnavailable(f"sshd of {builder.name} did not start: {_why_not_started(proc, bdir)}")

    def stop_sshd(self, builder: Builder) -> None:
        """Take the builder down: connections are refused."""
        if builder.pid is not None:
            stop(builder.pid, SSHD)
        builder.pid = None
        builder.state = "refused"

    def kill_builder(self, builder: Builder) -> None:
        """Power cut: SIGKILL every process in the builder's network namespace (sshd, sessions, builds)."""
        pids = run(["ip", "netns", "pids", builder.namespace], check=False).stdout.split()
        for pid in pids:
            with contextlib.suppress(ProcessLookupError, ValueError):
                os.kill(int(pid), signal.SIGKILL)
        if builder.pid is not None:
            with contextlib.suppress(ChildProcessError):
                os.waitpid(builder.pid, 0)
        builder.pid = None
        builder.state = "refused"

    def blackhole(self, builder: Builder) -> None:
        """Drop tcp/22 inside the builder's namespace: connections hang."""
        rules = builder.dir / "blackhole.nft"
        rules.write_text(BLACKHOLE_NFT)
        run(["ip", "netns", "exec", builder.namespace, "nft", "-f", str(rules)])
        builder.state = "blackhole"

    def unblackhole(self, builder: Builder) -> None:
        """Let tcp/22 through again."""
        run(["ip", "netns", "exec", builder.namespace, "nft", "delete", "table", "inet", "nxlab"], check=False)
        builder.state = "up" if builder.pid else "refused"

    def replace_host_key(self, builder: Builder) -> None:
        """Give the builder a new host key (a reinstall, or an impostor) and restart its sshd."""
        self.stop_sshd(builder)
        key = builder.dir / "host_key"
        key.unlink()
        Path(f"{key}.pub").unlink()
        run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", f"nxlab-{builder.name}-new", "-f", str(key)])
        self.start_sshd(builder)

    def spawn(self, builder: Builder, argv: list[str], marker: str, log: str) -> None:
        """Start argv in the builder's network, mount (its /etc/nix and load) and UTS namespaces; no wait."""
        script = (
            'mount --bind "$1" /etc/nix && mount --bind "$2" /proc/loadavg && mount -t proc proc "$3" '
            '&& hostname "$4" && shift 4 && exec "$@"'
        )
        b = builder
        env = {
            **os.environ,
            "HOME": str(b.dir / "home"),
            "XDG_CONFIG_HOME": str(b.dir / "home" / "cfg"),
            "PYTHONPATH": str(Path(__file__).parents[2]),
        }
        proc = subprocess.Popen(
            _in_namespaces(
                b, script, str(b.dir / "etc-nix"), str(b.dir / LOADAVG), str(b.dir / WHOLE_PROC), b.name, *argv
            ),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=(b.dir / log).open("w"),
            text=True,
            env=env,
        )
        b.procs.append((proc, marker))
        self._record()

    def wait_ready(self, builder: Builder, ready: str, log: str, timeout: float = 10) -> None:
        """Wait until the builder's newest process prints the line `ready`."""
        proc = builder.procs[-1][0]
        assert proc.stdout is not None
        if not _wait_for_line(proc.stdout, ready, timeout):
            raise LabUnavailable(f"{builder.name}: not {ready}: {(builder.dir / log).read_text()[-600:]}")

    def start_advertisers(self, builders: list[Builder] | None = None, *extra: str) -> None:
        """Run `nixswarm advertise` inside each builder's namespaces (its own /etc/nix); wait until announced."""
        nixswarm = str(Path(sys.executable).parent / "nixswarm")
        todo = builders if builders is not None else self.builders
        for b in todo:
            argv = [
                nixswarm,
                "advertise",
                "--interface",
                b.address,
                "--name",
                b.name,
                "--user",
                "root",
                "--max-jobs",
                str(b.max_jobs),
                "--host-key",
                str(b.host_key_path),
                *extra,
            ]
            self.spawn(b, argv, "advertise", "advertise.log")
        for b in todo:
            self.wait_ready(b, "registered", "advertise.log")

    def start_beacon(self, builder: Builder, address: str, *services: str) -> None:
        """Publish the builder like other tools do (nix-builder-beacon's service, plain ssh) from address."""
        argv = [sys.executable, "-m", "tests.lab.beacon", address, builder.name, builder.host_key_line, *services]
        self.spawn(builder, argv, "tests.lab.beacon", "beacon.log")
        self.wait_ready(builder, "registered", "beacon.log")

    def slow_link(self, builder: Builder, port: int, delay: float) -> None:
        """Let the builder's sshd also answer on port, every chunk `delay` seconds late each way (a far host)."""
        argv = [sys.executable, "-m", "tests.lab.slow_link", builder.address, str(port), str(delay)]
        self.spawn(builder, argv, "tests.lab.slow_link", "slow_link.log")
        self.wait_ready(builder, "ready", "slow_link.log")

    def add_address(self, builder: Builder, address: str) -> None:
        """Give the builder a second address on its interface."""
        index = self.builders.index(builder) + 1
        run(["ip", "-n", builder.namespace, "addr", "add", f"{address}/24", "dev", peer_name(self.run_id, index)])

    def stop_procs(self, builder: Builder) -> None:
        """SIGTERM the builder's advertisers (they unregister)."""
        for proc, marker in builder.procs:
            stop(proc.pid, marker)
            proc.wait(timeout=5)
            if proc.stdout is not None:
                proc.stdout.close()
        builder.procs.clear()

    def set_load(self, name: str, load1: float) -> None:
        """What builder name's /proc/loadavg says from now on, for every reader (probes, live load readers)."""
        write_load(self.builder(name).dir / LOADAVG, load1)

    # ---- client side ----------------------------------------------------------------------------
    def bytes_to(self, name: str) -> int:
        """Bytes sent to builder name so far (Ethernet frames through its veth; see tests/lab/traffic.py)."""
        return counter(self._veth(name), "tx_bytes")

    def bytes_from(self, name: str) -> int:
        """Bytes builder name has sent so far."""
        return counter(self._veth(name), "rx_bytes")

    def _veth(self, name: str) -> str:
        return veth_name(self.run_id, self.builders.index(self.builder(name)) + 1)

    def ssh_argv(self, builder: Builder, *command: str) -> list[str]:
        """An ssh from the client (the root namespace) to the builder as root, running command there."""
        unpinned = ["-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null", "-o", "LogLevel=ERROR"]
        login = ["-F", "/dev/null", "-i", str(self.client_key), "-o", "IdentitiesOnly=yes", *unpinned]
        return ["ssh", *login, f"root@{builder.address}", *command]

    def client_env(self) -> dict[str, str]:
        """Environment for running nix as the lab's client: its own nix.conf and ssh options."""
        env = dict(os.environ)
        env["NIX_CONF_DIR"] = str(self.dir / "client-nix")
        env["NIX_SSHOPTS"] = f"-F /dev/null -i {self.client_key} -o ConnectTimeout=3 -o IdentitiesOnly=yes"
        env.pop("NIX_REMOTE", None)
        return env

    def graph(self) -> Path:
        """graph.nix (written once per lab)."""
        from tests.lab.graph import write_graph

        return write_graph(self.graph_dir)

    def builder(self, name: str) -> Builder:
        return next(b for b in self.builders if b.name == name)

    # ---- teardown ---------------------------------------------------------------------------------
    def teardown(self) -> None:
        """Stop what was started, delete namespaces, bridge, users and files; never raises."""
        _teardown_record(
            {
                "dir": str(self.dir),
                "bridge": self.bridge,
                "client": {"group": self.client_group, "users": self.client_users},
                "builders": [_builder_record(b) for b in self.builders],
            }
        )
        for b in self.builders:
            for proc, _ in b.procs:
                with contextlib.suppress(ChildProcessError, subprocess.TimeoutExpired):
                    proc.wait(timeout=0)
                if proc.stdout is not None:
                    proc.stdout.close()
        with contextlib.suppress(FileNotFoundError):
            (REGISTRY / f"{self.run_id}.json").unlink()


def _teardown_record(data: dict[str, object]) -> None:
    builders = data.get("builders") or []
    assert isinstance(builders, list)
    for b in builders:
        for pid, marker in b.get("procs") or []:
            stop(int(pid), str(marker))
        if b.get("pid"):
            stop(int(b["pid"]), SSHD)
    for b in builders:
        # ControlMaster sockets of this lab live under its folder; any master process dies with its sockets
        run(["ip", "netns", "del", str(b["ns"])], check=False)
        root = str(b.get("root") or "/")
        remove_build_users(b.get("group"), b.get("users") or [], [Path("/"), Path(root)])
        if root != "/":
            with contextlib.suppress(OSError):
                (Path(root) / str(data.get("dir", "/")).lstrip("/")).rmdir()
    client = data.get("client") or {}
    assert isinstance(client, dict)
    remove_build_users(client.get("group"), client.get("users") or [], [Path("/")])
    if data.get("bridge"):
        run(["ip", "link", "del", str(data["bridge"])], check=False)
    folder = Path(str(data.get("dir", "")))
    if folder.name.startswith("nxlab-"):
        _close_masters(folder)
        shutil.rmtree(folder, ignore_errors=True)


def _fresh_run_id() -> str:
    """5 hex digits that no lab alive on this kernel uses: namespaces and links are shared by every root on it."""
    in_use = run(["ip", "-o", "link"], check=False).stdout + run(["ip", "netns", "list"], check=False).stdout
    groups = Path("/etc/group").read_text()
    for _ in range(100):
        candidate = f"{random.randrange(0x100000):05x}"
        if f"nx{candidate}" not in in_use and f"nxb{candidate}" not in in_use and f"nx{candidate}" not in groups:
            return candidate
    raise LabUnavailable("no free lab id")


def _in_namespaces(builder: Builder, script: str, *args: str) -> list[str]:
    """argv running a sh script (args as $1...) in the builder's network namespace, with its own mount and UTS ones."""
    namespaces = ["ip", "netns", "exec", builder.namespace, "unshare", "--mount", "--uts", "--"]
    return [*namespaces, "sh", "-c", script, "sh", *args]


def _builder_record(b: Builder) -> dict[str, object]:
    return {
        "ns": b.namespace,
        "pid": b.pid,
        "group": b.group,
        "users": b.users,
        "root": str(b.root),
        "procs": [[p.pid, m] for p, m in b.procs],
    }


def _why_not_started(proc: subprocess.Popen[bytes], bdir: Path) -> str:
    """The real reason: the mount's or sshd's own stderr, or sshd's log, or that it ran but never listened."""
    if proc.poll() is None:
        stop(proc.pid, SSHD)
    parts = []
    for log in ("sshd-start.log", "sshd.log"):
        with contextlib.suppress(OSError):
            text = (bdir / log).read_text().strip()
            if text:
                parts.append(f"{log}: {text[-600:]}")
    code = proc.returncode
    status = f"exited with {code}" if code is not None else "still not listening after the wait"
    return f"{status}; " + ("; ".join(parts) if parts else "it wrote nothing on stderr and no sshd.log")


def _wait_for_line(stream: IO[str], wanted: str, timeout: float) -> bool:
    """Whether the child prints a line equal to wanted within timeout."""
    line = wanted.encode()
    return line in read_until(stream, lambda seen: line in seen.splitlines(), timeout).splitlines()


def _close_masters(folder: Path) -> None:
    for sock in folder.rglob("cm-*"):
        run(["ssh", "-o", f"ControlPath={sock}", "-O", "exit", "nxlab"], check=False)


def _cleanup_leftovers() -> None:
    """Remove what an earlier, killed run left behind (its owner pid is gone)."""
    if not REGISTRY.is_dir():
        return
    for record in REGISTRY.glob("*.json"):
        try:
            data = json.loads(record.read_text())
        except (OSError, ValueError):
            continue
        owner = int(data.get("owner", 0))
        if owner and cmdline(owner):
            continue
        _teardown_record(data)
        record.unlink(missing_ok=True)
