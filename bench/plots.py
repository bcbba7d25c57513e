"""PNG plots of the benchmark figures, drawn from results.json alone (`python -m bench.plots` redraws them)."""

from __future__ import annotations

import argparse
import io
import statistics
import textwrap
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from bench.results import FOLDER, Figures, read_results
from nixswarm.store.atomic import atomic_write

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

SIZE = (8.0, 4.5)
"""Inches; at DPI, 880x495 pixels."""
DPI = 110


@dataclass(frozen=True)
class Plot:
    """One PNG."""

    section: str
    """The section of results.json it is drawn from; without it, the plot is skipped."""
    title: str
    """The figure's title and the markdown's alt text."""
    draw: Callable[[Figure, Figures], None]
    """Fills the figure from the section's figures."""


def _spread(
    samples: Sequence[Sequence[float]], centre: Callable[[Sequence[float]], float] = statistics.median
) -> tuple[list[float], list[list[float]]]:
    """Each centre (median), and the distances down to the minimum and up to the maximum, as yerr wants them."""
    centres = [centre(s) for s in samples]
    return centres, [
        [c - min(s) for c, s in zip(centres, samples, strict=True)],
        [max(s) - c for c, s in zip(centres, samples, strict=True)],
    ]


def _target(ax: Axes, value: float, label: str) -> None:
    """A target: a dashed red line across."""
    ax.axhline(value, label=label, color="crimson", linestyle="--", linewidth=1.5)


def _wrapped(names: Sequence[str], width: int = 24) -> list[str]:
    return [textwrap.fill(n, width) for n in names]


def _scan(fig: Figure, data: Figures) -> None:
    ax = fig.subplots()
    rows = data["rows"]
    builders = [r["builders"] for r in rows]
    series = {"naive": "naive: OpenSSH + nix show-config", "full": "nixswarm full", "refresh": "nixswarm refresh"}
    colors = {"naive": "tab:gray", "full": "tab:blue", "refresh": "tab:green"}
    for key, label in series.items():
        medians, errors = _spread([r[key] for r in rows])
        ax.errorbar(builders, medians, yerr=errors, marker="o", capsize=4, label=label, color=colors[key])
    for key, target in data["targets"].items():
        ax.axhline(
            target,
            color=colors[key],
            linestyle="--",
            linewidth=1.2,
            label=f"target, {series[key]} at {builders[-1]} builders: {target} s",
        )
    ax.set_yscale("log")
    ax.set_xticks(builders)
    ax.set_xlabel("builders probed at once")
    ax.set_ylabel(f"seconds (log scale; median, min-max of {data['rounds']})")
    ax.legend(fontsize="small")


def _build(fig: Figure, data: Figures) -> None:
    ax = fig.subplots()
    names = list(data["seconds"])
    medians, errors = _spread([data["seconds"][n] for n in names])
    plain = statistics.median(data["seconds"]["plain nix"])
    labels = [f"{n}\n{m:.2f} s ({plain / m:.2f}x speed-up)" for n, m in zip(names, medians, strict=True)]
    ax.bar(labels, medians, yerr=errors, capsize=5, color=["tab:gray", "tab:olive", "tab:blue"])
    _target(ax, data["target"], f"target for nixswarm build: {data['target']} s")
    ax.set_ylabel(f"seconds per build (median, min-max of {data['rounds']})")
    ax.legend(fontsize="small")


def _versions(fig: Figure, data: Figures) -> None:
    ax = fig.subplots()
    clients = data["clients"]
    where = range(len(clients))
    series = {"plain nix": ("tab:gray", -0.2), "nixswarm build": ("tab:blue", 0.2)}
    for name, (color, shift) in series.items():
        medians, errors = _spread([c["seconds"][name] for c in clients])
        bars = ax.bar([x + shift for x in where], medians, width=0.4, yerr=errors, capsize=5, color=color, label=name)
        labels = [f"{m:.2f} s" for m in medians]
        if name == "nixswarm build":
            plain = [statistics.median(c["seconds"]["plain nix"]) for c in clients]
            labels = [f"{label}\n{m / p:.2f}x plain nix" for label, m, p in zip(labels, medians, plain, strict=True)]
        ax.bar_label(bars, labels, label_type="center", fontsize="small")
    ax.set_xticks(list(where), [f"client Nix {c['nix']}\n(Python {c['python']})" for c in clients])
    ax.set_ylabel(f"seconds per build (median, min-max of {data['rounds']})")
    ax.legend(fontsize="small")


def _weight(fig: Figure, data: Figures) -> None:
    share_ax, time_ax = fig.subplots(1, 2, sharey=True)
    names = list(data["cases"])
    cases = [data["cases"][n] for n in names]
    shares = [[100 * local / data["width"] for local in c["local"]] for c in cases]
    means, errors = _spread(shares, statistics.mean)
    bars = share_ax.barh(_wrapped(names), means, xerr=errors, capsize=4, color="tab:orange")
    share_ax.bar_label(bars, [f"{m:.0f}%" for m in means], padding=3)
    share_ax.set_xlim(0, 100)
    share_ax.set_xlabel(f"built locally, % of {data['width']} (mean, min-max)")
    share_ax.invert_yaxis()
    medians, errors = _spread([c["seconds"] for c in cases])
    bars = time_ax.barh(_wrapped(names), medians, xerr=errors, capsize=4, color="tab:blue")
    time_ax.bar_label(bars, [f"{m:.1f} s" for m in medians], padding=3)
    time_ax.set_xlim(0, max(max(c["seconds"]) for c in cases) * 1.25)
    time_ax.set_xlabel(f"makespan, seconds (median, min-max of {data['rounds']})")


def _transport(fig: Figure, data: Figures) -> None:
    ax = fig.subplots()
    names = list(data["seconds"])
    size, base = data["size_mib"], statistics.median(data["seconds"][data["baseline"]])
    speeds = [[size / t for t in data["seconds"][n]] for n in names]
    medians, errors = _spread(speeds)
    bars = ax.barh(
        _wrapped(names, 30),
        medians,
        xerr=errors,
        capsize=4,
        color=["tab:blue" if n == data["baseline"] else "tab:gray" for n in names],
    )
    ratios = [statistics.median(data["seconds"][n]) / base for n in names]
    ax.bar_label(
        bars,
        [
            f"{m:.0f} MiB/s, " + ("the baseline" if n == data["baseline"] else f"{r:.2f}x the time")
            for n, m, r in zip(names, medians, ratios, strict=True)
        ],
        padding=4,
    )
    ax.invert_yaxis()
    ax.set_xlim(0, max(max(s) for s in speeds) * 1.5)
    ax.set_xlabel(f"MiB/s copying {size} MiB with nix copy (median, min-max of {data['rounds']}); higher is better")


def _tui_updates(fig: Figure, data: Figures) -> None:
    rounds_ax, hist_ax = fig.subplots(1, 2, sharey=True, width_ratios=(3, 1))
    times, target = data["update_ms"], data["targets"]["update_ms"]
    rounds_ax.plot(range(1, len(times) + 1), times, marker="o", markersize=3, linewidth=0.8, label="each round")
    rounds_ax.axhline(statistics.median(times), color="tab:blue", linestyle=":", label="median")
    _target(rounds_ax, target, f"target: {target:.0f} ms (a frame at 60 Hz)")
    top = max(*times, target) * 1.2
    rounds_ax.set_ylim(0, top)
    rounds_ax.set_xlabel("refresh round")
    rounds_ax.set_ylabel(f"ms to apply {data['hosts']} hosts' loads and repaint")
    rounds_ax.legend(fontsize="small", loc="lower right")
    hist_ax.hist(times, bins=[top * i / 50 for i in range(51)], orientation="horizontal", color="tab:blue")
    _target(hist_ax, target, "target")
    hist_ax.set_xlabel("rounds (count)")


def _tui_first_frame(fig: Figure, data: Figures) -> None:
    ax = fig.subplots()
    kinds = list(data["first_frame_s"])
    samples = [data["first_frame_s"][k] for k in kinds]
    medians = [statistics.median(s) for s in samples]
    bars = ax.bar(kinds, medians, color="tab:blue", alpha=0.35, label="median")
    ax.bar_label(bars, [f"median {m:.3f} s" for m in medians], label_type="center")
    for i, s in enumerate(samples):
        ax.scatter([i] * len(s), s, color="tab:blue", zorder=3, label="each run" if i == 0 else None)
    target = data["targets"]["first_frame_s"]
    _target(ax, target, f"target: {target} s")
    ax.set_ylim(0, max(target, *(max(s) for s in samples)) * 1.2)
    ax.set_ylabel("seconds to the first drawn host table")
    ax.legend(fontsize="small")


def _grouped(ax: Axes, data: Figures, scenario: str, value: Callable[[Figures], list[float]], digits: int) -> None:
    """One bar per client Nix in each placement's group: median, min-max."""
    clients = data["clients"]
    cases = list(clients[0][scenario])
    width = 0.8 / len(clients)
    for i, c in enumerate(clients):
        medians, errors = _spread([value(c[scenario][n]) for n in cases])
        where = [x + (i - (len(clients) - 1) / 2) * width for x in range(len(cases))]
        bars = ax.bar(where, medians, width=width, yerr=errors, capsize=3, label=f"client Nix {c['nix']}")
        ax.bar_label(bars, [f"{m:.{digits}f}" for m in medians], fontsize="x-small", padding=2)
    ax.set_xticks(range(len(cases)), _wrapped(cases, 14), fontsize="small")


def _placement_locality(fig: Figure, data: Figures) -> None:
    sent_ax, time_ax = fig.subplots(1, 2)
    _grouped(sent_ax, data, "locality", lambda s: [b / 2**20 for b in s["sent"]], 0)
    sent_ax.set_ylabel(f"MiB sent to the builders (median, min-max of {data['rounds']})")
    sent_ax.legend(fontsize="small")
    _grouped(time_ax, data, "locality", lambda s: s["seconds"], 1)
    time_ax.set_ylabel("makespan, seconds")


def _placement_busy(fig: Figure, data: Figures) -> None:
    busy_ax, time_ax = fig.subplots(1, 2)
    _grouped(busy_ax, data, "busy", lambda s: s["busy"], 0)
    width, depth, _ = data["busy_graph"]
    busy_ax.set_ylabel(f"derivations built on the busy host, of {width * depth}")
    _target(busy_ax, 0, "goal for the scheduler: 0")
    busy_ax.legend(fontsize="small")
    _grouped(time_ax, data, "busy", lambda s: s["seconds"], 1)
    time_ax.set_ylabel(f"makespan, seconds (median, min-max of {data['rounds']})")


def _placement_overhead(fig: Figure, data: Figures) -> None:
    ranks_ax, time_ax = fig.subplots(1, 2)
    top = max(max(c["decided_ms"]) for c in data["clients"])
    bins = [top * i / 40 for i in range(41)]
    for c in data["clients"]:
        ranks_ax.hist(c["decided_ms"], bins=bins, alpha=0.6, label=f"client Nix {c['nix']}")
    ranks_ax.axvline(20, color="crimson", linestyle="--", label="goal for the median: 20 ms")
    ranks_ax.set_xlabel("ms ranking one derivation's hosts")
    ranks_ax.set_ylabel("placement records")
    ranks_ax.legend(fontsize="small")
    _grouped(time_ax, data, "small", lambda s: s["seconds"], 1)
    width, depth, _ = data["small_graph"]
    time_ax.set_ylabel(f"makespan of {width * depth} small derivations, s")


def _eta(fig: Figure, data: Figures) -> None:
    error_ax, time_ax = fig.subplots(1, 2, width_ratios=(3, 2))
    fractions = list(data["eta"]["errors"]["second"])
    series = {"first": ("first build (no history)", "tab:gray", -0.2), "second": ("second build", "tab:blue", 0.2)}
    for build, (label, color, shift) in series.items():
        samples = [[100 * e for e in data["eta"]["errors"][build][f] if e is not None] or [0.0] for f in fractions]
        medians, errors = _spread(samples)
        where = [x + shift for x in range(len(fractions))]
        bars = error_ax.bar(where, medians, width=0.4, yerr=errors, capsize=4, color=color, label=label)
        error_ax.bar_label(bars, [f"{m:.0f}%" for m in medians], fontsize="small", padding=2)
    goal = 100 * data["goal_at_half"]
    error_ax.plot([0.5, 1.5], [goal, goal], color="crimson", linestyle="--", label=f"goal at 50%: {goal:.0f}%")
    error_ax.set_xticks(range(len(fractions)), [f"at {float(f):.0%}" for f in fractions])
    error_ax.set_ylabel(f"ETA error, % of the build (median, min-max of {data['rounds']})")
    error_ax.legend(fontsize="small")
    cases = data["makespan"]["cases"]
    names = list(cases)
    medians, errors = _spread([cases[n]["seconds"] for n in names])
    bars = time_ax.bar(_wrapped(names, 16), medians, yerr=errors, capsize=5, color=["tab:gray", "tab:blue"])
    time_ax.bar_label(bars, [f"{m:.1f} s" for m in medians], label_type="center")
    time_ax.set_ylabel(f"makespan, s ({data['far']['host']} far; median, min-max)")


PLOTS = {
    "scan": Plot("scan", "Scan: seconds to probe N lab builders", _scan),
    "build": Plot("build", "Build: 9 derivations over 3 lab builders", _build),
    "versions": Plot("versions", "Build overhead by client Nix: 9 derivations over 3 lab builders", _versions),
    "weight": Plot("weight", "--local-weight: 12 derivations, 2 local slots, 2 builders x 2 slots", _weight),
    "placement_locality": Plot(
        "placement", "Placement: 2 chains of a 200 MiB output + 6 consumers, 3 builders x 2 slots", _placement_locality
    ),
    "placement_busy": Plot("placement", "Placement: one of 3 builders over its owner's load limit", _placement_busy),
    "placement_overhead": Plot("placement", "Placement: the scheduler's own time", _placement_overhead),
    "transport": Plot("transport", "Transport: nix copy of a store path of random bytes, by ssh settings", _transport),
    "tui_first_frame": Plot("tui", "TUI: first frame, headless", _tui_first_frame),
    "tui_updates": Plot("tui", "TUI: host table refreshes under load", _tui_updates),
    "eta": Plot("eta", "ETA: error on a 24-derivation graph, and makespan by placement", _eta),
}
"""Every PNG, by file name (without .png)."""


def link(name: str) -> str:
    """The markdown image of one plot, relative to the markdown file."""
    return f"![{PLOTS[name].title}]({FOLDER}/{name}.png)"


def render(results: Mapping[str, Figures], folder: Path) -> list[Path]:
    """Draw every plot whose section is in results into folder; the PNGs written."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    written = []
    for name, plot in PLOTS.items():
        if plot.section not in results:
            continue
        fig = Figure(figsize=SIZE, dpi=DPI, layout="constrained")
        fig.suptitle(plot.title)
        plot.draw(fig, results[plot.section])
        FigureCanvasAgg(fig)  # draws with Agg, whatever matplotlib's default backend
        png = io.BytesIO()
        fig.savefig(png, format="png")
        path = folder / f"{name}.png"
        atomic_write(path, png.getvalue(), mode=0o644)
        written.append(path)
    return written


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.plots", description=__doc__)
    default = Path(__file__).parents[1] / "docs" / FOLDER
    parser.add_argument("--folder", type=Path, default=default, help=f"where results.json is (default {default})")
    args = parser.parse_args(argv)
    results = read_results(args.folder)
    if not results:
        parser.error(f"no figures in {args.folder}: run `python -m bench.run` first")
    for path in render(results, args.folder):
        print(f"wrote {path}")


if __name__ == "__main__":
    main()
