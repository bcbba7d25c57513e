"""The scheduler's look ahead, its cost per derivation: a hook reads the plan and finds the ready derivations more
urgent than the one offered (hook/lookahead.py), then places them in thought (hook/reserve.py).

In process, on a layered plan of N derivations (each needs two of the layer before), its first half built: the
outputs are files in a temporary folder, so readiness is checked with real stat calls. Each sample is a new
Lookahead, as in a new hook process (Nix starts one per derivation it offers), so it reads and parses the file."""

from __future__ import annotations

import math
import platform
import statistics
import tempfile
import time
from pathlib import Path

from bench.results import FOLDER, Figures, Section, read_results
from nixswarm.hook.hosts import HostInfo
from nixswarm.hook.lookahead import FILE, MAX_DRVS, Entry, Lookahead, render
from nixswarm.hook.reserve import keep_for_rivals
from nixswarm.hook.score import Situation, rank

SIZES = (100, 1000, MAX_DRVS)
SAMPLES = 50
GOAL_MS = 20.0
"""Issue 14's bound on the scheduler's added time per derivation (median)."""
X86 = "x86_64-linux"
HOSTS = [HostInfo(f"b{i}", f"ssh-ng://b{i}", systems=(X86,), slots=2, speed=float(i)) for i in (1, 2, 3)]


def _plan(folder: Path, size: int) -> tuple[dict[str, Entry], str]:
    """A layered plan of size derivations, the first half built; and the least urgent ready one (offered)."""
    width = max(2, round(math.sqrt(size)))
    layers = [list(range(start, min(start + width, size))) for start in range(0, size, width)]
    entries: dict[str, Entry] = {}
    depth = len(layers)
    for number, layer in enumerate(layers):
        for i in layer:
            needs = (
                tuple(f"/nix/store/{j:032d}-n{j}.drv" for j in layers[number - 1][i % width : i % width + 2])
                if number
                else ()
            )
            out = folder / f"out{i}"
            if number < depth // 2:
                out.write_text("built")
            entries[f"/nix/store/{i:032d}-n{i}.drv"] = Entry(X86, float(depth - number + i % 7), needs, (str(out),))
    ready = [
        d for n, layer in enumerate(layers) if n == depth // 2 for d in (f"/nix/store/{i:032d}-n{i}.drv" for i in layer)
    ]
    offered = min(ready, key=lambda d: entries[d].priority)
    return entries, offered


def _sample(folder: Path, offered: str) -> tuple[float, int]:
    """Milliseconds from a new Lookahead to the reordered ranking, and how many rivals were found."""
    started = time.perf_counter()
    ahead = Lookahead(str(folder))
    rivals = ahead.rivals(offered, X86, set())
    s = Situation(now=0.0, has={}, size=lambda p: 0, running={}, waiting={}, loads={}, down={})
    scores, _ = rank(HOSTS, X86, (), [], s)
    keep_for_rivals(
        scores,
        {h.name: h for h in HOSTS},
        rivals,
        s,
        known_of=lambda d: {},
        name_of=lambda d: d.rsplit("-", 1)[-1],
        system=X86,
        required_of=lambda d: ahead.entries[d].features,
    )
    return (time.perf_counter() - started) * 1000, len(rivals)


def _ranking_ms() -> float | None:
    """The ranking's median decided_ms over the clients of the last placement run (docs/bench/results.json)."""
    placement = read_results(Path(__file__).parents[1] / "docs" / FOLDER).get("placement")
    if not placement:
        return None
    medians = [statistics.median(c["decided_ms"]) for c in placement.get("clients", []) if c.get("decided_ms")]
    return max(medians) if medians else None


def measure() -> Figures:
    cases: dict[str, Figures] = {}
    for size in SIZES:
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp)
            entries, offered = _plan(folder, size)
            (folder / FILE).write_bytes(render(entries))
            samples = [_sample(folder, offered) for _ in range(SAMPLES)]
        ms = [m for m, _ in samples]
        cases[str(size)] = {"ms": ms, "rivals": samples[0][1], "file_bytes": len(render(entries))}
    return {
        "machine": platform.node(),
        "python": platform.python_version(),
        "date": time.strftime("%Y-%m-%d"),
        "samples": SAMPLES,
        "goal_ms": GOAL_MS,
        "ranking_ms": _ranking_ms(),
        "cases": cases,
    }


def _p90(values: list[float]) -> float:
    return statistics.quantiles(values, n=10)[-1]


def markdown(data: Figures) -> str:
    rows = [
        f"| {int(size):,} | {c['file_bytes'] / 1024:.0f} KiB | {c['rivals']} | {statistics.median(c['ms']):.2f} | "
        f"{_p90(c['ms']):.2f} |"
        for size, c in data["cases"].items()
    ]
    worst = max(statistics.median(c["ms"]) for c in data["cases"].values())
    ranking = data.get("ranking_ms")
    if ranking is None:
        verdict = f"the look ahead adds at most {worst:.2f} ms (no placement figures to add the ranking's)"
    else:
        total = ranking + worst
        met = "met" if total <= data["goal_ms"] else "missed"
        verdict = (
            f"the ranking before it takes {ranking:.2f} ms (median of the slower client in Placement), the look "
            f"ahead at most {worst:.2f} ms more: {total:.2f} ms, **{met}**"
        )
    return "\n".join(
        [
            "## Look ahead: the scheduler's cost per derivation",
            "",
            f"Measured on {data['machine']} (Python {data['python']}), {data['date']}, in process: "
            f"{data['samples']} samples per plan size of what one hook adds for the look ahead "
            "(docs/building.md#the-scheduler): a new `Lookahead` reads and parses the plan file, finds the ready "
            "derivations more urgent than the offered one (a stat per output of each candidate and its inputs), "
            "and places them in thought over 3 builders with 2 slots each. The plan is layered (each derivation "
            "needs two of the layer before), its first half built; the offered one is the least urgent of the "
            "first layer not built. Plans of more derivations than the largest here get no look ahead. Goal: the "
            f"scheduler's whole added time per derivation within {data['goal_ms']:g} ms (median): {verdict}.",
            "",
            "| planned derivations | plan file | rivals found | median, ms | p90, ms |",
            "|---:|---:|---:|---:|---:|",
            *rows,
        ]
    )


def run() -> Section:
    data = measure()
    return Section("lookahead", markdown(data), data)
