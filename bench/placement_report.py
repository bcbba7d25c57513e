"""The placement section of docs/benchmarks.md, written from its figures alone (bench/placement_bench.py measures
them)."""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from typing import Any

from bench.plots import link
from bench.results import Figures

MIB = 1024 * 1024
PAIRS = (("Nix's own", "scheduler"), ("Nix's own + weight 50%", "scheduler + weight 50%"))
"""Each placement of Nix's against the scheduler's with the same local weight."""


def spread(samples: Sequence[float], digits: int = 1) -> str:
    """`median (min-max)`."""
    return f"{statistics.median(samples):.{digits}f} ({min(samples):.{digits}f}-{max(samples):.{digits}f})"


def percentile(samples: Sequence[float], share: float) -> float:
    """The nearest-rank percentile (share 0.9: p90)."""
    ordered = sorted(samples)
    return ordered[max(0, min(len(ordered) - 1, round(share * len(ordered) + 0.5) - 1))]


def _chains(chains: dict[str, Any]) -> str:
    """One build's chains: `c0 b1: b1 x6` (producer's host: consumers' hosts)."""
    parts = []
    for name, chain in sorted(chains.items()):
        consumers = " ".join(f"{h}x{n}" for h, n in sorted(chain["consumers"].items(), key=lambda hn: -hn[1]))
        parts.append(f"{name.replace('chain ', 'c')} on {chain['producer']} -> {consumers}")
    return "; ".join(parts)


def _locality(data: Figures) -> list[str]:
    total = data["chains"] * data["consumers"]
    rows, verdicts, where, rates = [], [], [], []
    for c in data["clients"]:
        cases = c["locality"]
        measured = [b / MIB for _, ours in PAIRS for b in cases[ours].get("bandwidth", []) if b]
        if measured:
            rates.append(f"Nix {c['nix']} {spread(measured, 0)} MiB/s")
        for name, s in cases.items():
            rows.append(
                f"| {c['nix']} | {name} | {spread([b / MIB for b in s['sent']], 0)} | "
                f"{spread([b / MIB for b in s['back']], 0)} | {spread(s['seconds'])} | "
                f"{spread(s['with_producer'], 0)} |"
            )
            where += [f"| {c['nix']} | {name} | {i + 1} | {_chains(ch)} |" for i, ch in enumerate(s["chains"])]
        for theirs, ours in PAIRS:
            sent = [statistics.median(cases[n]["sent"]) for n in (ours, theirs)]
            took = [statistics.median(cases[n]["seconds"]) for n in (ours, theirs)]
            fewer = 1 - sent[0] / sent[1]
            less = f"{abs(fewer) * 100:.2f}% {'fewer' if fewer >= 0 else 'more'}"
            verdicts.append(
                f"- Nix {c['nix']}, {ours} against {theirs}: {less} bytes sent (goal >= 40% fewer: "
                f"{'met' if fewer >= 0.4 else 'missed'}); makespan {took[0] - took[1]:+.1f} s, "
                f"{took[0] / took[1]:.2f}x (goal shorter: {'met' if took[0] < took[1] else 'missed'})."
            )
    return [
        "### Locality: chains of a 200 MiB output",
        "",
        f"{data['chains']} chains, each a producer writing {data['mib']} MiB and {data['consumers']} consumers that "
        f"read all of it and sleep {data['consumer_sleep']:g} s. *Sent* / *back*: bytes through the builders' veth "
        "interfaces (every builder's, summed; Ethernet frames) during the build, in MiB. *With their producer*: "
        f"consumers built on the host that built their chain's producer, of {total}. Goal for the scheduler: at least "
        "40% fewer bytes sent than Nix's own placement with the same local weight, and a shorter makespan. "
        + (
            "The copy bandwidth the scheduler's builds measured (median builder per build, `bandwidth` in their "
            f"summaries): {'; '.join(rates)}."
            if rates
            else ""
        ),
        "",
        "| client Nix | placement | sent, MiB | back, MiB | makespan, s | with their producer |",
        "|---|---|---:|---:|---:|---:|",
        *rows,
        "",
        *verdicts,
        "",
        "Where each chain ran in every round (`c0 on b1 -> b1x4 b2x2`: chain 0's producer built on b1, 4 of its "
        "consumers on b1 and 2 on b2; `local` is this machine):",
        "",
        "| client Nix | placement | round | chains |",
        "|---|---|---:|---|",
        *where,
        "",
        link("placement_locality"),
    ]


def _busy(data: Figures) -> list[str]:
    width, depth, sleep = data["busy_graph"]
    rows = []
    for c in data["clients"]:
        for name, s in c["busy"].items():
            hosts = " / ".join(", ".join(f"{h} {n}" for h, n in sorted(r.items())) for r in s["hosts"])
            rows.append(f"| {c['nix']} | {name} | {spread(s['busy'], 0)} | {spread(s['seconds'])} | {hosts} |")
    return [
        "### A busy host",
        "",
        f"b1's load average says {data['busy_load']:g} for the whole scenario; its owner allows "
        f"{data['owner_max_load']:g} (`hosts add --owner-max-load {data['owner_max_load']:g}`); b2 and b3 are idle. "
        f"The lab graph, {width} wide and {depth} deep ({width * depth} derivations, sleep {sleep:g} s each). "
        "Goal for the scheduler: 0 derivations on b1.",
        "",
        "| client Nix | placement | built on b1 | makespan, s | built where, each round |",
        "|---|---|---:|---:|---|",
        *rows,
        "",
        link("placement_busy"),
    ]


def _overhead(data: Figures) -> list[str]:
    width, depth, _ = data["small_graph"]
    decided, small = [], []
    for c in data["clients"]:
        ms = c["decided_ms"]
        decided.append(
            f"| {c['nix']} | {len(ms)} | {statistics.median(ms):.2f} | {percentile(ms, 0.9):.2f} | {max(ms):.2f} |"
        )
        for theirs, ours in PAIRS:
            a, b = (statistics.median(c["small"][n]["seconds"]) for n in (theirs, ours))
            small.append(
                f"| {c['nix']} | {theirs}: {spread(c['small'][theirs]['seconds'], 2)} | "
                f"{ours}: {spread(c['small'][ours]['seconds'], 2)} | {b - a:+.2f} ({b / a:.2f}x) |"
            )
    return [
        "### Overhead",
        "",
        "*Ranking*: `decided_ms` of every placement record of every scheduler build above (all three scenarios, "
        "both local weights): milliseconds the scheduler spent ranking one derivation's hosts before it asked Nix's "
        "real hook. Goal: median <= 20 ms.",
        "",
        "| client Nix | records | median, ms | p90, ms | max, ms |",
        "|---|---:|---:|---:|---:|",
        *decided,
        "",
        f"*Makespan* of the lab graph {width} wide and {depth} deep ({width * depth} derivations, sleep 0): what the "
        "scheduler costs a build of many small derivations, against Nix's own placement with the same local weight "
        "(seconds, median (min-max); difference of the medians).",
        "",
        "| client Nix | Nix's own placement | scheduler | difference, s |",
        "|---|---|---|---:|",
        *small,
    ]


def _odd(data: Figures) -> list[str]:
    odd = [(c["nix"], o) for c in data["clients"] for o in c.get("odd", [])]
    if not odd:
        return []
    lines = [f"- Nix {nix}, {o['scenario']}, {o['case']}: {o['what']}" for nix, o in odd]
    return [
        "",
        "Scheduler builds whose choices looked wrong (their `placement` records, scores and reasons, are in "
        "results.json under `placement.clients[].odd`):",
        "",
        *lines,
    ]


def _method(data: Figures) -> str:
    clients = data["clients"]
    loads = [x for c in clients for x in c["loads"]]
    high = sum(1 for x in loads if x >= data["quiet_load"])
    cases = "; ".join(f"*{name}*: `{options}`" for name, options in data["cases"].items())
    others = ", ".join(c["nix"] for c in clients[1:])
    return (
        f"Measured on {data['machine']} ({data['cores']} cores), started {data['date']}. Each client Nix gets its "
        f"own lab of 3 builders running that same Nix, {data['slots']} slots each (`hosts add --max-jobs "
        f"{data['slots']}`), ssh-ng"
        + (
            f", on a LAN of {clients[0]['link']}: what the client and each builder send is limited to that "
            "(`tests/lab/shaping.py`, tc's token bucket; ssh then moves about 100 MiB/s, the veths alone 300-400)"
            if all(c.get("link") == clients[0].get("link") for c in clients) and clients[0].get("link")
            else ""
        )
        + f"; Nix {clients[0]['nix']} is this machine's own"
        + (f", {others} runs in a Debian sid chroot (`tests/matrix/in_root.sh`)" if others else "")
        + f". Every build is `nixswarm build -j {data['slots']} --json-summary FILE` of freshly salted derivations, "
        f"with the placement's options: {cases}. Rounds run the four placements in turn ({data['rounds']} rounds per "
        "scenario); figures are median (min-max) over rounds. *Makespan*: wall seconds of the whole `nixswarm build` "
        f"command. Before every build the benchmark waited for this machine's 1-minute load to fall below "
        f"{data['quiet_load']:g}, at most {data['quiet_wait']:g} s: builds started at load "
        f"{statistics.median(loads):.2f} median, {max(loads):.2f} at most; {high} of {len(loads)} started at "
        f"{data['quiet_load']:g} or more (other work on the machine), so makespans carry that noise."
    )


def markdown(data: Figures) -> str:
    """The section, from its `## ` heading on."""
    return "\n".join(
        [
            "## Placement: Nix's own hook against nixswarm's scheduler",
            "",
            _method(data),
            "",
            *_locality(data),
            "",
            *_busy(data),
            "",
            *_overhead(data),
            *_odd(data),
        ]
    )
