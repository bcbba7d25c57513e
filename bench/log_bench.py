"""Log throughput: a local build whose builder prints 1,000,000 lines, through `nixswarm build` against
`nix build --log-format internal-json` (the stream nixswarm reads) and plain `nix build`; then the lines per second
the terminal view folds, in process, from that build's own stream."""

from __future__ import annotations

import functools
import io
import os
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from bench.results import Section
from bench.stats import summary
from nixswarm.build.log_events import parse_line
from nixswarm.build.log_flags import LogWish
from nixswarm.build.progress import Progress
from nixswarm.build.stderr_lines import MAX_LINE, StderrLines
from nixswarm.build.watch import Watch

LINES = 1_000_000
ROUNDS = 5
GOAL = 1.3
"""Most `nixswarm build` may take, as a multiple of `nix build --log-format internal-json`."""
PER_LINE_SAMPLE = 200_000
"""Lines the old way (json and a fold per line) is timed on; it is slow."""

CHATTY_NIX = r"""{ salt, lines, bb }:
let busybox = builtins.path { path = bb; name = "log-bench-busybox"; };
in derivation {
  name = "chatty-${salt}";
  system = builtins.currentSystem;
  builder = "${busybox}/sh";
  PATH = "${busybox}";
  args = [ "-c" "seq ${toString lines}; echo done > $out" ];
}
"""
NIX_CONF = "experimental-features = nix-command\nsubstituters =\nsandbox = false\nbuilders =\nbuild-users-group =\n"
"""A local Nix of its own: no substituter, no builders, no build users (the benchmark runs as root)."""
OWN_CPU = (
    "import resource, sys\n"
    "from nixswarm.cli.main import main\n"
    "code = main(sys.argv[2:])\n"
    "own = resource.getrusage(resource.RUSAGE_SELF)\n"
    "open(sys.argv[1], 'w').write(repr(own.ru_utime + own.ru_stime))\n"
    "sys.exit(code)\n"
)
"""`nixswarm` as its script runs it, writing its own CPU seconds (not nix's) to the file named first."""

Sample = tuple[float, float, float | None]
"""Wall seconds, CPU seconds of the whole process tree, nixswarm's own CPU seconds (None for nix alone)."""
CASES = ("plain nix build", "nix build --log-format internal-json", "nixswarm build")


class _Setup:
    """The derivation, its busybox, a nix.conf and an empty nixswarm home, in one temporary folder."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        bb = folder / "bb"
        bb.mkdir()
        shutil.copy2("/bin/busybox", bb / "busybox")
        for applet in ("sh", "seq"):
            (bb / applet).symlink_to("busybox")
        (folder / "chatty.nix").write_text(CHATTY_NIX)
        (folder / "nix").mkdir()
        (folder / "nix" / "nix.conf").write_text(NIX_CONF)
        home = folder / "home"
        (home / "run").mkdir(parents=True, mode=0o700)
        self.env = {
            **os.environ,
            "NIX_CONF_DIR": str(folder / "nix"),
            "HOME": str(home),
            "XDG_CONFIG_HOME": str(home / "config"),
            "XDG_STATE_HOME": str(home / "state"),
            "XDG_RUNTIME_DIR": str(home / "run"),
        }
        self.env.pop("NIX_REMOTE", None)

    def target(self) -> list[str]:
        """The chatty derivation with a fresh salt: Nix builds it again."""
        args = ["-f", str(self.folder / "chatty.nix"), "--argstr", "salt", secrets.token_hex(4)]
        return [*args, "--arg", "lines", str(LINES), "--arg", "bb", str(self.folder / "bb"), "--no-link"]

    def argv(self, case: str, cpu_file: Path) -> list[str]:
        if case == "nixswarm build":
            return [sys.executable, "-c", OWN_CPU, str(cpu_file), "build", "--no-mdns", *self.target()]
        log_format = ["--log-format", "internal-json"] if "internal-json" in case else []
        return ["nix", "build", *log_format, *self.target()]


def _run(setup: _Setup, case: str, stderr: Path) -> Sample:
    """One build of a fresh derivation, its stderr to a file."""
    cpu_file = setup.folder / "own-cpu"
    cpu_file.unlink(missing_ok=True)
    with stderr.open("wb") as err:
        started = time.perf_counter()
        proc = subprocess.Popen(
            setup.argv(case, cpu_file), env=setup.env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=err
        )
        _, status, usage = os.wait4(proc.pid, 0)
        took = time.perf_counter() - started
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise RuntimeError(f"{case} failed ({proc.returncode}): {stderr.read_bytes()[-1500:].decode(errors='replace')}")
    own = float(cpu_file.read_text()) if cpu_file.exists() else None
    return took, usage.ru_utime + usage.ru_stime, own


def _watch_rate(stream: bytes, wish: LogWish) -> tuple[int, float]:
    """Lines, and lines per second, of Watch reading stream as the runner hands it over."""
    watch = Watch({}, interactive=False, wish=wish, stream=io.StringIO())
    lines, count = StderrLines(), 0
    started = time.perf_counter()
    for at in range(0, len(stream), MAX_LINE):
        batch = lines.feed_block(stream[at : at + MAX_LINE])
        count += batch.text.count("\n")
        watch.feed_lines(batch)
    watch.feed_lines(lines.end_block())
    watch.finish()
    return count, count / (time.perf_counter() - started)


def _per_line_rate(stream: bytes) -> float:
    """Lines per second of the old way: every line parsed with json, folded one by one."""
    lines = stream.decode("utf-8", "replace").splitlines()[:PER_LINE_SAMPLE]
    progress = Progress()
    started = time.perf_counter()
    for line in lines:
        progress.feed(parse_line(line))
    return len(lines) / (time.perf_counter() - started)


def _interleaved(cases: dict[str, Callable[[], Sample]], rounds: int) -> dict[str, list[Sample]]:
    """Each case's samples; the cases take turns in every round, so drift hits every case alike."""
    samples: dict[str, list[Sample]] = {name: [] for name in cases}
    for _ in range(rounds):
        for name, case in cases.items():
            samples[name].append(case())
    return samples


def run() -> Section:
    """The markdown section and its samples."""
    with tempfile.TemporaryDirectory(dir="/tmp") as tmp:
        setup = _Setup(Path(tmp))
        capture = setup.folder / "internal-json.log"
        for case in CASES:  # a warm-up round; it records the stream the in-process figures read
            _run(setup, case, capture if "internal-json" in case else setup.folder / "stderr")
        stream = capture.read_bytes()
        rows = _interleaved(
            {case: functools.partial(_run, setup, case, setup.folder / "stderr") for case in CASES}, ROUNDS
        )
    seconds = {name: [s[0] for s in samples] for name, samples in rows.items()}
    tree_cpu = {name: [s[1] for s in samples] for name, samples in rows.items()}
    own_cpu = [s[2] for s in rows["nixswarm build"] if s[2] is not None]
    wishes = {
        "lanes (no -L)": LogWish(),
        "-L": LogWish(print_logs=True),
        "--log-format internal-json": LogWish(style="json"),
    }
    rates = {name: _watch_rate(stream, wish) for name, wish in wishes.items()}
    lines_read = next(iter(rates.values()))[0]
    per_line = _per_line_rate(stream)
    json_median = statistics.median(seconds["nix build --log-format internal-json"])
    ratio = statistics.median(seconds["nixswarm build"]) / json_median
    table = [
        f"| {name} | {summary(seconds[name])} | {statistics.median(seconds[name]) / json_median:.2f}x "
        f"| {statistics.median(tree_cpu[name]):.2f} |"
        for name in CASES
    ]
    markdown = "\n".join(
        [
            f"## Log throughput: a build that prints {LINES:,} lines",
            "",
            f"Seconds, median (min-max) of {ROUNDS} interleaved rounds; each round builds a fresh local derivation "
            f"whose builder runs `seq {LINES}` (busybox, no nixpkgs, no builders, stderr to a file). "
            f"Goal: `nixswarm build` at most {GOAL}x `nix build --log-format internal-json`, the stream it reads "
            f"(here {ratio:.2f}x: {'met' if ratio <= GOAL else 'missed'}).",
            "",
            "| command | seconds | vs internal-json | CPU seconds, all processes |",
            "|---|---:|---:|---:|",
            *table,
            "",
            f"nixswarm's own process (reading, folding and showing the log; nix not counted): "
            f"{summary(own_cpu)} CPU seconds.",
            "",
            f"In process, the terminal view fed that build's recorded stream ({lines_read:,} lines) in "
            f"{MAX_LINE // 1024} KiB chunks, the most the runner reads at once:",
            "",
            "| view | lines per second |",
            "|---|---:|",
            *[f"| {name} | {rate:,.0f} |" for name, (_, rate) in rates.items()],
            f"| every line parsed with json and folded one by one (no fast path; {PER_LINE_SAMPLE:,} lines) "
            f"| {per_line:,.0f} |",
        ]
    )
    data = {
        "rounds": ROUNDS,
        "lines": LINES,
        "goal": GOAL,
        "seconds": seconds,
        "tree_cpu_seconds": tree_cpu,
        "nixswarm_own_cpu_seconds": own_cpu,
        "ratio": ratio,
        "goal_met": ratio <= GOAL,
        "watch_lines_per_second": {name: rate for name, (_, rate) in rates.items()},
        "per_line_json_lines_per_second": per_line,
    }
    return Section("log", markdown, data)


if __name__ == "__main__":
    print(run().markdown)
