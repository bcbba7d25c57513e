"""Every failure docs/guide.md quotes, reproduced on real builders: the guide cannot drift from what Nix prints.

The guide marks a quote as a fenced block with the info string `text id=NAME`, or `text id=NAME nix=2.26,2.34`
for what only those Nix versions print (the client's Nix, with builders of the same version). Each quote has one
block per Nix of the matrix, and the suite runs once with each as the client's Nix, so the guide cannot drift from
any of them. Each line of a block must appear, in order, in what the matching reproduction below prints;
`<placeholder>` stands for text that differs per run, and a line `…` for lines the guide leaves out.
"""

from __future__ import annotations

import re
import secrets
import shutil
import subprocess
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.e2e.daemon_client import DaemonClient, untrusted_daemon_client
from tests.e2e.helpers import build_graph, machines_file, open_lab, run_nixswarm, salt
from tests.e2e.test_build import build, configure
from tests.lab import BuilderSpec, Lab
from tests.lab.graph import graph_args
from tests.lab.nixroots import own_series
from tests.lab.procs import run

GUIDE = Path(__file__).parents[2] / "docs" / "guide.md"
_QUOTE = re.compile(r"^ *```text id=([a-z0-9-]+)(?: nix=([0-9.,]+))?\n(.*?)^ *```$", re.MULTILINE | re.DOTALL)
NIX_SERIES = ("2.8", "2.26", "2.34")
"""The client Nix versions of the matrix: Debian 12's, trixie's and sid's."""
_PLACEHOLDER = re.compile(r"<[a-z][a-z0-9 -]*>")
OMITTED = "…"
PATH_TOOLS = ("sh", "cat", "grep", "df", "tail", "nproc")
"""What a builder's non-interactive PATH offers in the lab when Nix is not on it."""
DARWIN_NIX = '{ salt }: derivation { name = "hello"; inherit salt; system = "x86_64-darwin"; builder = "/bin/sh"; }\n'


def guide_quotes(text: str) -> dict[str, dict[str, list[str]]]:
    """The quoted lines of each `text id=NAME` block, per Nix series it is for (all of them without `nix=`)."""
    quotes: dict[str, dict[str, list[str]]] = {}
    for name, versions, body in _QUOTE.findall(text):
        lines = [line.strip() for line in body.splitlines() if line.strip()]
        for series in versions.split(",") if versions else NIX_SERIES:
            assert series in NIX_SERIES, f"the guide quotes {name} for Nix {series}, which the matrix does not run"
            assert series not in quotes.setdefault(name, {}), f"two quotes named {name} for Nix {series}"
            quotes[name][series] = lines
    return quotes


def first_missing_line(quote: list[str], output: str) -> str | None:
    """The first quoted line that is not in output after the lines before it; None when all are."""
    lines = [line.strip() for line in output.splitlines()]
    at = 0
    for wanted in quote:
        if wanted == OMITTED:
            continue
        pattern = re.compile(".+?".join(re.escape(part) for part in _PLACEHOLDER.split(wanted)))
        while at < len(lines) and not pattern.fullmatch(lines[at]):
            at += 1
        if at == len(lines):
            return wanted
        at += 1
    return None


QUOTES = guide_quotes(GUIDE.read_text(encoding="utf-8"))


@dataclass(frozen=True)
class Trouble:
    """A lab where each builder fails in its own way, and a nixswarm home that knows them all.

    b1 is healthy as root and runs a nix-daemon that does not trust `remote_user`; b2 refuses connections, b3
    drops them, b4 has no Nix on its non-interactive PATH, b5 got a new host key after it was trusted. The home
    also holds b1u (b1 as remote_user) and b1open (b1 with a private key others may read).
    """

    lab: Lab
    home: Path
    files: Path
    remote_user: str
    open_key: Path
    scan_json: str
    client: DaemonClient

    def builders(self, name: str, *builders: str, **options: object) -> Path:
        """A builders file for these lab builders."""
        chosen = [self.lab.builder(b) for b in builders]
        return machines_file(self.lab, chosen, self.files / name, **options)  # type: ignore[arg-type]

    def nix_build(self, *args: str, env: dict[str, str] | None = None) -> str:
        """stderr of nix-build with these arguments, as the lab's client."""
        argv = ["nix-build", *args, "--no-out-link"]
        done = subprocess.run(
            argv, capture_output=True, text=True, env=env or self.lab.client_env(), timeout=120, check=False
        )
        return done.stderr

    def graph(self, builders: Path, *, env: dict[str, str] | None = None) -> str:
        """stderr of the one-derivation lab graph built with --max-jobs 0 and these builders."""
        done, _ = build_graph(self.lab, builders, width=1, depth=1, env=env)
        return done.stderr

    def nixswarm(self, *args: str) -> str:
        """What a nixswarm command prints, stdout then stderr."""
        done = run_nixswarm(self.home, *args, env={"NIX_CONF_DIR": str(self.lab.dir / "client-nix")})
        return done.stdout + done.stderr

    def nixswarm_import(self, machines: Path) -> str:
        """What `nixswarm hosts import` of machines prints, into a home of its own (the others' stays as it is)."""
        done = run_nixswarm(
            self.files / f"home-{machines.name}",
            "hosts",
            "import",
            str(machines),
            env={"NIX_CONF_DIR": str(self.lab.dir / "client-nix")},
        )
        return done.stdout + done.stderr

    def nixswarm_build(self, *options: str) -> str:
        """stderr of `nixswarm build` of the one-derivation lab graph."""
        done, _ = build(self.lab, self.home, *options, width=1, depth=1)
        return done.stderr


@pytest.fixture(scope="module")
def trouble(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Trouble]:
    remote_user = f"nxr{secrets.token_hex(3)}"
    with ExitStack() as stack:
        run(["useradd", "--system", "--no-create-home", "-d", "/", "-s", "/bin/sh", "-p", "*", remote_user])
        stack.callback(run, ["userdel", remote_user], check=False)  # after the lab: its sessions are gone then
        lab = stack.enter_context(open_lab([BuilderSpec() for _ in range(5)]))
        lab.dir.chmod(0o755)  # sshd reads authorized_keys as the user that logs in
        b1, b2, b3, b4, b5 = lab.builders
        _start_builder_daemon(lab, b1.name)
        lab.slow_link(b1, 2222, 0)  # b1's sshd also on port 2222, for the port in a store URI
        _hide_nix_from_ssh_sessions(lab, b4.name)
        home = tmp_path_factory.mktemp("home")
        configure(lab, home)
        open_key = home / "id_open"
        shutil.copy(lab.client_key, open_key)
        open_key.chmod(0o644)
        for name, user, key in (("b1u", remote_user, lab.client_key), ("b1open", "root", open_key)):
            added = run_nixswarm(home, "hosts", "add", name, f"{user}@{b1.address}", "--identity", str(key))
            trusted = run_nixswarm(home, "hosts", "trust", name, "--fingerprint", b1.fingerprint())
            assert added.returncode == trusted.returncode == 0, added.stderr + trusted.stderr
        lab.stop_sshd(b2)
        lab.replace_host_key(b5)
        scan = run_nixswarm(home, "scan", "--json", "--no-mdns")  # before b3's blackhole: no 3 s wait for it
        assert scan.returncode == 0, scan.stderr
        lab.blackhole(b3)
        client = stack.enter_context(untrusted_daemon_client(lab))
        client.give_home()
        files = lab.dir / "guide"
        files.mkdir(mode=0o755)
        yield Trouble(lab, home, files, remote_user, open_key, scan.stdout, client)


def _start_builder_daemon(lab: Lab, name: str) -> None:
    """A nix-daemon on the builder's own store; the lab stops it with the builder's other processes."""
    builder = lab.builder(name)
    lab.spawn(
        builder,
        ["sh", "-c", 'mount --bind "$0" /nix && exec nix-daemon', str(builder.dir / "nix")],
        "nix-daemon",
        "daemon.log",
    )
    socket = builder.dir / "nix/var/nix/daemon-socket/socket"
    for _ in range(200):
        if socket.exists():
            return
        time.sleep(0.02)
    pytest.fail(f"the nix-daemon of {name} did not start: {(builder.dir / 'daemon.log').read_text()[-400:]}")


def _hide_nix_from_ssh_sessions(lab: Lab, name: str) -> None:
    """Give ssh sessions on the builder a PATH with a shell and basic tools but no Nix, as a login-only profile does."""
    builder = lab.builder(name)
    folder = builder.dir / "path"
    folder.mkdir()
    for tool in PATH_TOOLS:
        found = shutil.which(tool)
        assert found, tool
        (folder / tool).symlink_to(found)
    with (builder.dir / "sshd_config").open("a") as config:
        config.write(f"SetEnv PATH={folder}\n")
    lab.stop_sshd(builder)
    lab.start_sshd(builder)


def _no_system(t: Trouble) -> str:
    darwin = t.files / "darwin.nix"
    darwin.write_text(DARWIN_NIX)
    return t.nix_build(str(darwin), "--argstr", "salt", salt(), "--builders", f"@{t.builders('no-system', 'b1')}")


def _timeout(t: Trouble) -> str:
    env = t.lab.client_env()
    env["NIX_SSHOPTS"] = f"-o ConnectTimeout=1 {env['NIX_SSHOPTS']}"  # ssh takes the first value it is given
    return t.graph(t.builders("timeout", "b3"), env=env)


def _identity_mode(t: Trouble) -> str:
    env = {**t.lab.client_env(), "NIX_SSHOPTS": "-F /dev/null -o ConnectTimeout=3 -o IdentitiesOnly=yes"}
    return t.graph(t.builders("identity-mode", "b1", identity=t.open_key), env=env)


def _remote_unsigned(t: Trouble) -> str:
    """A dependency built here (so unsigned), then its dependent sent to a builder that does not trust the user."""
    args = [str(t.lab.graph()), *graph_args(t.lab.graph_dir, salt(), 1, 2)]
    t.nix_build(*args, "-A", "0", "--builders", "")
    builders = t.builders("remote-unsigned", "b1", user=t.remote_user)
    return t.nix_build(*args, "--max-jobs", "0", "--builders", f"@{builders}")


def _machines_trap(t: Trouble, name: str) -> Path:
    """A hand-written builders file with a port in the URI (`port`) or a fractional speed factor (`float`)."""
    b1 = t.lab.builder("b1")
    line = t.builders(f"{name}-base", "b1").read_text().splitlines()[-1]
    if name == "port":
        line = line.replace(f"root@{b1.address}", f"root@{b1.address}:2222")
    else:
        columns = line.split()
        columns[4] = "1.5"
        line = " ".join(columns)
    path = t.files / name
    path.write_text(line + "\n")
    return path


def _untrusted_client_nix(t: Trouble, *extra: str) -> str:
    builders = t.builders("untrusted-client", "b1")
    args = graph_args(t.lab.graph_dir, salt(), 1, 1)
    done = t.client.run(
        "nix-build", str(t.lab.graph()), *args, "--no-out-link", "--max-jobs", "0", "--builders", f"@{builders}", *extra
    )
    return done.stderr


def _untrusted_client_nixswarm(t: Trouble) -> str:
    done = t.client.nixswarm(
        "build", "--no-local", "-f", str(t.lab.graph()), *graph_args(t.lab.graph_dir, salt(), 1, 1), "--no-link"
    )
    assert done.returncode == 3, done.stderr
    return done.stderr


REPRODUCE: dict[str, Callable[[Trouble], str]] = {
    "nix-no-system": _no_system,
    "nixswarm-no-system": lambda t: t.nixswarm("explain", "--system", "x86_64-darwin"),
    "nix-refused": lambda t: t.graph(t.builders("refused", "b2")),
    "nix-timeout": _timeout,
    "nixswarm-unreachable": lambda t: t.nixswarm_build("--hosts", "b2,b3"),
    "nix-host-key": lambda t: t.graph(t.builders("host-key", "b1", keys={"b1": t.lab.builder("b2").host_key_line})),
    "nixswarm-host-key-build": lambda t: t.nixswarm_build("--hosts", "b5"),
    "nixswarm-host-key-trust": lambda t: t.nixswarm("hosts", "trust", "b5"),
    "nix-identity-mode": _identity_mode,
    "nixswarm-identity-mode-doctor": lambda t: t.nixswarm("doctor"),
    "nixswarm-identity-mode-build": lambda t: t.nixswarm_build("--hosts", "b1open"),
    "nix-no-nix-daemon": lambda t: t.graph(t.builders("no-nix-daemon", "b4")),
    "nix-no-nix-store": lambda t: t.graph(t.builders("no-nix-store", "b4", scheme="ssh")),
    "nixswarm-no-nix-scan": lambda t: t.scan_json,
    "nixswarm-no-nix-build": lambda t: t.nixswarm_build("--hosts", "b4"),
    "nix-remote-untrusted": lambda t: t.graph(t.builders("remote-untrusted", "b1", user=t.remote_user)),
    "nix-remote-unsigned": _remote_unsigned,
    "nixswarm-remote-untrusted": lambda t: t.nixswarm_build("--hosts", "b1u", "--no-local"),
    "nix-untrusted-client": _untrusted_client_nix,
    "nix-untrusted-client-verbose": lambda t: _untrusted_client_nix(t, "-vvvv"),
    "nixswarm-untrusted-client": _untrusted_client_nixswarm,
    "nix-port-in-uri": lambda t: t.graph(_machines_trap(t, "port")),
    "nix-float-speed": lambda t: t.graph(_machines_trap(t, "float")),
    "nixswarm-port-in-uri": lambda t: t.nixswarm_import(_machines_trap(t, "port")),
    "nixswarm-float-speed": lambda t: t.nixswarm_import(_machines_trap(t, "float")),
}


def test_every_quote_in_the_guide_has_a_reproduction_and_every_reproduction_a_quote() -> None:
    assert sorted(QUOTES) == sorted(REPRODUCE)


def test_every_quote_in_the_guide_says_what_each_nix_of_the_matrix_prints() -> None:
    missing = {name: sorted(set(NIX_SERIES) - set(per_nix)) for name, per_nix in QUOTES.items()}
    assert {name: gap for name, gap in missing.items() if gap} == {}


@pytest.mark.parametrize("quote", sorted(QUOTES))
def test_the_guide_quotes_what_nix_and_nixswarm_really_print(trouble: Trouble, quote: str) -> None:
    if quote not in REPRODUCE:
        pytest.fail(f"the guide quotes {quote!r}, but nothing here reproduces it")
    series = own_series()
    if series not in QUOTES[quote]:
        pytest.fail(f"the guide does not say what Nix {series} prints for {quote!r}")
    output = REPRODUCE[quote](trouble)
    missing = first_missing_line(QUOTES[quote][series], output)
    assert missing is None, (
        f"docs/guide.md quotes {missing!r} ({quote}, Nix {series}), but the real output is:\n{output[-4000:]}"
    )
