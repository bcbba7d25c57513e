"""`nixswarm build` with Nix's log options (-L, --log-format, -v, --quiet): the counts hold, the logs are shown.

Nix 2.8 replaces its log format when it reads -L, and every Nix does for a later --log-format; nixswarm keeps nix
on internal-json and honours the options itself. Each build's outputs say which host built it, and each build
prints a line naming that host, so the summary, the --json-summary file and the prefixed log lines are all checked
against the truth, with `-f FILE` and with a flake, through a pipe and on a pseudo-terminal.
"""

from __future__ import annotations

import fcntl
import json
import os
import pty
import re
import shutil
import struct
import subprocess
import termios
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.e2e.helpers import NIXSWARM, nixswarm_env, open_lab, run_nixswarm, salt
from tests.e2e.test_build import configure
from tests.lab import BuilderSpec, Lab
from tests.lab.graph import GraphNode, read_graph_outputs

WIDTH, DEPTH = 2, 2
OUR_ESCAPES = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
"""The lanes' cursor moves and clears."""
LOG_GRAPH_NIX = r"""{ salt, width, depth, sleep, bb, system ? builtins.currentSystem }:
let
  busybox = builtins.path { path = bb; name = "lab-busybox"; };
  node = level: index: deps: derivation {
    name = "lab-${salt}-l${toString level}-n${toString index}";
    inherit system deps;
    builder = "${busybox}/sh";
    PATH = "${busybox}";
    args = [ "-c" ''
      who=$(cat /lab-id 2>/dev/null || echo local)
      echo "nxlog $name on $who"
      echo "nxlog-stderr $name" >&2
      sleep ${sleep}
      echo "$who" > $out
    '' ];
  };
  build = l: if l == 0 then builtins.genList (i: node 0 i [ ]) width
    else let prev = build (l - 1); in builtins.genList (i: node l i prev) width;
in builtins.concatLists (map build (builtins.genList (l: l) depth))
"""
FLAKE_NIX = """{
  outputs = { self }: {
    packages.x86_64-linux = builtins.listToAttrs (map (d: { name = d.name; value = d; }) (import ./graph.nix {
      salt = "%s"; width = %d; depth = %d; sleep = "1"; bb = ./bb; system = "x86_64-linux";
    }));
  };
}
"""


@dataclass(frozen=True)
class Run:
    """One finished `nixswarm build`."""

    salt: str
    """The salt in every derivation's name."""
    stdout: str
    stderr: str
    """stderr, or what the pseudo-terminal showed, less the lanes' escapes."""
    nodes: list[GraphNode]
    summary: dict[str, object]
    raw: str
    """stderr as written (on a pseudo-terminal: with the lanes' escapes)."""


@pytest.fixture(scope="module")
def logs_lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Lab, Path]]:
    """Two builders, added and trusted through the CLI, and the logging graph beside the lab's busybox."""
    home = tmp_path_factory.mktemp("home")
    with open_lab([BuilderSpec(), BuilderSpec()]) as lab:
        lab.graph()  # writes the busybox folder
        (lab.graph_dir / "logs-graph.nix").write_text(LOG_GRAPH_NIX)
        configure(lab, home)
        yield lab, home


def file_args(lab: Lab, run_salt: str) -> list[str]:
    """`-f FILE` and its arguments."""
    graph = lab.graph_dir / "logs-graph.nix"
    return [
        "-f",
        str(graph),
        "--argstr",
        "salt",
        run_salt,
        "--arg",
        "width",
        str(WIDTH),
        "--arg",
        "depth",
        str(DEPTH),
        "--argstr",
        "sleep",
        "1",
        "--arg",
        "bb",
        str(lab.graph_dir / "bb"),
    ]


def flake_args(lab: Lab, run_salt: str, folder: Path) -> list[str]:
    """A `path:` flake of the graph with the salt written in, and one installable per derivation."""
    folder.mkdir()
    shutil.copy2(lab.graph_dir / "logs-graph.nix", folder / "graph.nix")
    shutil.copytree(lab.graph_dir / "bb", folder / "bb", symlinks=True)
    (folder / "flake.nix").write_text(FLAKE_NIX % (run_salt, WIDTH, DEPTH))
    return [f"path:{folder}#lab-{run_salt}-l{level}-n{index}" for level in range(DEPTH) for index in range(WIDTH)]


def run_in_pty(home: Path, args: list[str], env: dict[str, str]) -> tuple[int, str, str]:
    """nixswarm with its stderr on a pseudo-terminal (160 x 40) and its stdout on a pipe."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 160, 0, 0))
    proc = subprocess.Popen(
        [NIXSWARM, *args],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=slave,
        env=nixswarm_env(home, env),
        text=True,
    )
    os.close(slave)
    shown: list[bytes] = []

    def drain() -> None:
        while True:
            try:
                chunk = os.read(master, 65536)
            except OSError:  # EIO: every writer closed the terminal
                return
            if not chunk:
                return
            shown.append(chunk)

    reader = threading.Thread(target=drain, daemon=True)
    reader.start()
    try:
        out, _ = proc.communicate(timeout=240)
    finally:
        reader.join(timeout=10)
        os.close(master)
    return proc.returncode, out, b"".join(shown).decode("utf-8", "replace")


def build(lab: Lab, home: Path, tmp: Path, *options: str, flake: bool = False, terminal: bool = False) -> Run:
    """nixswarm build of the logging graph on the lab's builders only, with --json-summary."""
    run_salt = salt()
    what = flake_args(lab, run_salt, tmp / "flake") if flake else file_args(lab, run_salt)
    summary_file = tmp / "summary.json"
    args = ["build", "--no-local", *what, *options, "--no-link", "--json", "--json-summary", str(summary_file)]
    env = {"NIX_CONF_DIR": str(lab.dir / "client-nix")}
    if terminal:
        code, stdout, stderr = run_in_pty(home, args, env)
    else:
        done = run_nixswarm(home, *args, env=env)
        code, stdout, stderr = done.returncode, done.stdout, done.stderr
    assert code == 0, stderr[-4000:]
    paths = [p for item in json.loads(stdout) for p in item["outputs"].values()]
    shown = OUR_ESCAPES.sub("", stderr.replace("\r\n", "\n"))
    return Run(run_salt, stdout, shown, read_graph_outputs(paths), json.loads(summary_file.read_text()), stderr)


def host_of(lab: Lab, node: GraphNode) -> str:
    return next(b.name for b in lab.builders if b.lab_id == node.built_by)


def assert_counts_match_the_outputs(lab: Lab, run: Run) -> None:
    """The --json-summary file and the summary table count, per host, what the outputs say each host built."""
    assert len(run.nodes) == WIDTH * DEPTH
    recorded: dict[str, int] = {}
    for node in run.nodes:
        recorded[host_of(lab, node)] = recorded.get(host_of(lab, node), 0) + 1
    hosts = run.summary["hosts"]
    assert isinstance(hosts, dict)
    assert {name: h["built"] for name, h in hosts.items() if h["built"]} == recorded, run.stderr[-3000:]
    derivations = run.summary["derivations"]
    assert isinstance(derivations, list) and len(derivations) == WIDTH * DEPTH
    table = [line.split()[:2] for line in run.stderr.splitlines()]
    for host, n in recorded.items():
        assert [host, str(n)] in table, run.stderr[-3000:]


def assert_logs_shown(lab: Lab, run: Run) -> None:
    """Each build's stdout and stderr lines, prefixed `[host] name> ` with the host its output names."""
    lines = run.stderr.splitlines()
    for node in run.nodes:
        name = f"lab-{run.salt}-l{node.level}-n{node.index}"
        for expected in (
            f"[{host_of(lab, node)}] {name}> nxlog {name} on {node.built_by}",
            f"[{host_of(lab, node)}] {name}> nxlog-stderr {name}",
        ):
            assert expected in lines, f"{expected!r} not shown:\n{run.stderr[-3000:]}"


def assert_no_logs(run: Run) -> None:
    assert "nxlog" not in run.stderr, run.stderr[-3000:]


# ---- -L and --print-build-logs ---------------------------------------------------------------------------------
@pytest.mark.parametrize("terminal", [False, True], ids=["pipe", "pty"])
@pytest.mark.parametrize("flake", [False, True], ids=["file", "flake"])
def test_print_build_logs_keeps_the_counts_and_prefixes_each_line_with_its_host(
    logs_lab: tuple[Lab, Path], tmp_path: Path, flake: bool, terminal: bool
) -> None:
    lab, home = logs_lab
    run = build(lab, home, tmp_path, "-L", flake=flake, terminal=terminal)
    assert_counts_match_the_outputs(lab, run)
    assert_logs_shown(lab, run)


def test_the_long_form_and_a_compound_short_flag_print_the_logs_too(logs_lab: tuple[Lab, Path], tmp_path: Path) -> None:
    lab, home = logs_lab
    long_form = build(lab, home, tmp_path / "long", "--print-build-logs")
    assert_counts_match_the_outputs(lab, long_form)
    assert_logs_shown(lab, long_form)
    compound = build(lab, home, tmp_path / "compound", "-Lv")
    assert_counts_match_the_outputs(lab, compound)
    assert_logs_shown(lab, compound)
    assert "evaluating file '" in compound.stderr  # -v: Nix's talkative messages are shown


# ---- --log-format --------------------------------------------------------------------------------------------
@pytest.mark.parametrize("terminal", [False, True], ids=["pipe", "pty"])
def test_log_format_bar_with_logs_prints_the_logs(logs_lab: tuple[Lab, Path], tmp_path: Path, terminal: bool) -> None:
    lab, home = logs_lab
    run = build(lab, home, tmp_path, "--log-format", "bar-with-logs", terminal=terminal)
    assert_counts_match_the_outputs(lab, run)
    assert_logs_shown(lab, run)


def test_log_format_raw_on_a_terminal_gives_plain_lines_and_no_logs(logs_lab: tuple[Lab, Path], tmp_path: Path) -> None:
    lab, home = logs_lab
    run = build(lab, home, tmp_path, "--log-format", "raw", terminal=True)
    assert_counts_match_the_outputs(lab, run)
    assert_no_logs(run)
    assert "\x1b[" not in run.raw  # no lanes drawn
    assert "] building lab-" in run.stderr


def test_log_format_internal_json_passes_nixs_own_lines_through(logs_lab: tuple[Lab, Path], tmp_path: Path) -> None:
    lab, home = logs_lab
    run = build(lab, home, tmp_path, "--log-format", "internal-json")
    assert_counts_match_the_outputs(lab, run)
    events = [json.loads(line[5:]) for line in run.stderr.splitlines() if line.startswith("@nix {")]
    logged = [e["fields"][0] for e in events if e.get("action") == "result" and e.get("type") == 101]
    assert sum(line.startswith("nxlog lab-") for line in logged) == WIDTH * DEPTH
    assert "] building lab-" not in run.stderr  # Nix's lines instead of ours


# ---- verbosity -----------------------------------------------------------------------------------------------
@pytest.mark.parametrize("terminal", [False, True], ids=["pipe", "pty"])
def test_verbose_shows_more_of_nixs_messages_and_keeps_the_counts(
    logs_lab: tuple[Lab, Path], tmp_path: Path, terminal: bool
) -> None:
    lab, home = logs_lab
    run = build(lab, home, tmp_path, "-v", "--verbose", terminal=terminal)
    assert_counts_match_the_outputs(lab, run)
    assert_no_logs(run)
    assert "evaluating file '" in run.stderr


def test_quiet_keeps_the_counts_and_shows_less(logs_lab: tuple[Lab, Path], tmp_path: Path) -> None:
    lab, home = logs_lab
    run = build(lab, home, tmp_path, "--quiet", "-L")
    assert_counts_match_the_outputs(lab, run)
    assert_logs_shown(lab, run)
    assert "evaluating file '" not in run.stderr
