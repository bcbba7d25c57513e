"""Where a derivation should finish first: every builder's estimate, from copying, waiting for a slot and load.

finish = wait for a slot + inputs it lacks / bandwidth + work there * (1 + busy / cores)

bandwidth is the host's measured by this build (build/copy_meter.py: the copies Nix made to and from it), else
BANDWIDTH.

work there is the derivation's past median on that host, else its past median anywhere (at speed 1) x the host's
pace / speed factor, else this build's median x pace / speed factor. A host's pace is measured from the history:
how long it took against the other hosts for the names they both built (history/for_build.py).

busy is the live load, or this build's own jobs there when that is more (the load average lags behind them).

Pure arithmetic over what the hook knows; `nixswarm explain --drv` prints the same scores.
"""

from __future__ import annotations

from nixswarm.hook.durations import ANY

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Mapping
    from typing import Final

    from nixswarm.hook.hosts import HostInfo

BANDWIDTH = 100 * 2**20
"""Bytes per second a copy to a builder is assumed to move until the build has measured it (about a 1 Gbit/s LAN
through ssh)."""
DEFAULT_WORK = 10.0
"""Seconds a derivation is assumed to build for before any build of this run has ended."""
MIB = 2**20


class Score:
    """One builder's estimate for one derivation (no dataclass: its import costs ~20 ms per hook start)."""

    __slots__ = ("copy_bytes", "finish", "free", "have_bytes", "load", "name", "running", "wait", "work")

    def __init__(
        self,
        name: str,
        *,
        finish: float,
        wait: float,
        free: bool,
        copy_bytes: int,
        have_bytes: int,
        load: float,
        running: int,
        work: float = 0.0,
    ) -> None:
        self.name: Final = name
        self.finish: Final = finish
        """Estimated seconds until it would be built there."""
        self.wait: Final = wait
        """Of which waiting for one of its slots."""
        self.free: Final = free
        """A slot is free now."""
        self.copy_bytes: Final = copy_bytes
        """Input bytes it lacks (Nix copies them first)."""
        self.have_bytes: Final = have_bytes
        """Input bytes already there (placed by this build)."""
        self.load: Final = load
        """The load it was weighed with."""
        self.running: Final = running
        """This build's derivations running there."""
        self.work: Final = work
        """Seconds it should build for there, load included."""

    def as_json(self) -> dict[str, object]:
        return {
            "host": self.name,
            "finish_s": round(self.finish, 3),
            "wait_s": round(self.wait, 3),
            "free_slot": self.free,
            "copy_bytes": self.copy_bytes,
            "inputs_there_bytes": self.have_bytes,
            "load": round(self.load, 2),
            "running": self.running,
            "work_s": round(self.work, 3),
        }


class Situation:
    """What the scheduler knows at one moment (no dataclass, see Score)."""

    __slots__ = (
        "bandwidth",
        "bandwidths",
        "down",
        "has",
        "known",
        "loads",
        "now",
        "pace",
        "running",
        "size",
        "waiting",
        "work",
    )

    def __init__(
        self,
        *,
        now: float,
        has: Mapping[str, set[str]],
        size: Callable[[str], int],
        running: Mapping[str, list[tuple[float, float]]],
        waiting: Mapping[str, int],
        loads: Mapping[str, float],
        down: Mapping[str, float],
        work: float = DEFAULT_WORK,
        known: Mapping[str, float] | None = None,
        bandwidth: float = BANDWIDTH,
        pace: Mapping[str, float] | None = None,
        bandwidths: Mapping[str, float] | None = None,
    ) -> None:
        self.now: Final = now
        self.has: Final = has
        """Host -> store paths this build put there (inputs copied, outputs built)."""
        self.size: Final = size
        """A path's bytes."""
        self.running: Final = running
        """Host -> (start time, expected seconds) of this build's derivations running there."""
        self.waiting: Final = waiting
        """Host -> derivations postponed to wait for it."""
        self.loads: Final = loads
        """Host -> its live 1-minute load."""
        self.down: Final = down
        """Host -> until when it is not tried (it failed to connect)."""
        self.work: Final = work
        """Seconds a derivation without history is expected to build for at speed 1 (this build's median)."""
        self.known: Final = known or {}
        """Host -> seconds this derivation took there in past builds (durations.ANY: any host, at speed 1)."""
        self.bandwidth: Final = bandwidth
        """Bytes per second of a host this build has not measured."""
        self.bandwidths: Final = bandwidths or {}
        """Host -> its bytes per second, measured by this build (hook/bandwidth.py)."""
        self.pace: Final = pace or {}
        """Host -> its measured pace against the other hosts (2: twice as long); 1 when not measured."""

    def knowing(self, known: Mapping[str, float]) -> Situation:
        """The same moment, for another derivation with these past times."""
        return Situation(
            now=self.now,
            has=self.has,
            size=self.size,
            running=self.running,
            waiting=self.waiting,
            loads=self.loads,
            down=self.down,
            work=self.work,
            known=known,
            bandwidth=self.bandwidth,
            pace=self.pace,
            bandwidths=self.bandwidths,
        )


def over_limit(host: HostInfo, load: float) -> str | None:
    """Why the owner's max-load keeps new work off it (after its name: "b3 over its load limit (6.1 > 4)"), or None."""
    if host.max_load is not None and load > host.max_load:
        return f"over its load limit ({load:.1f} > {host.max_load:g})"
    return None


def work_there(host: HostInfo, s: Situation) -> float:
    """Seconds the derivation should build for on host: its past median there, else its past median anywhere
    scaled by the host's pace and speed factor, else this build's median scaled the same way."""
    if host.name in s.known:
        return s.known[host.name]
    return s.known.get(ANY, s.work) * s.pace.get(host.name, 1.0) / host.speed


def score_host(host: HostInfo, inputs: Iterable[str], s: Situation) -> Score:
    """The estimate for one eligible host."""
    there = s.has.get(host.name, set())
    have = copy = 0
    for path in inputs:
        if path in there:
            have += s.size(path)
        elif any(path in paths for paths in s.has.values()):
            copy += s.size(path)
        # a path no builder got from this build costs every host the same: left out
    load = s.loads.get(host.name, host.load or 0.0)
    started = s.running.get(host.name, [])
    free = len(started) < host.slots
    wait = 0.0
    if not free:
        soonest = min(max(0.0, expected - (s.now - t)) for t, expected in started)
        wait = soonest + s.work / host.speed * s.waiting.get(host.name, 0) / host.slots
    busy = max(load, len(started)) - (0 if free else 1)  # a full host starts it once one of its builds has ended
    contention = max(busy, 0.0) / host.cores
    work = work_there(host, s) * (1 + contention)
    finish = wait + copy / s.bandwidths.get(host.name, s.bandwidth) + work
    return Score(
        host.name,
        finish=finish,
        wait=wait,
        free=free,
        copy_bytes=copy,
        have_bytes=have,
        load=load,
        running=len(started),
        work=work,
    )


def rank(
    hosts: Iterable[HostInfo], system: str, required: tuple[str, ...], inputs: list[str], s: Situation
) -> tuple[list[Score], list[tuple[str, str]]]:
    """The eligible hosts, soonest finish first (ties: more inputs there, fewer of this build's jobs, the earlier
    host), and each other host with why not."""
    scores: list[Score] = []
    left_out: list[tuple[str, str]] = []
    for host in hosts:
        refusal = host.refusal(system, required)
        if refusal is None and s.down.get(host.name, 0) > s.now:
            refusal = f"did not connect, retried after {s.down[host.name] - s.now:.0f} s"
        if refusal is None:
            refusal = over_limit(host, s.loads.get(host.name, host.load or 0.0))
        if refusal is not None:
            left_out.append((host.name, refusal))
        else:
            scores.append(score_host(host, inputs, s))
    scores.sort(key=lambda sc: (sc.finish, -sc.have_bytes, sc.running))
    return scores, left_out


def mib(count: int) -> str:
    return f"{count / MIB:.0f} MiB" if count >= MIB else f"{count / 1024:.0f} KiB"


def named(name: str, reason: str) -> str:
    """A left-out host's reason with its name in front: "b3 over its load limit (6.1 > 4)"."""
    return f"{name} {reason}"


def why(chosen: Score, scores: list[Score], left_out: list[tuple[str, str]]) -> str:
    """Why chosen won, in a few words: "inputs there: 412 MiB", "least busy (load 0.2)", "nxb3 over its ..."."""
    parts: list[str] = []
    if chosen.have_bytes and chosen.have_bytes >= max(sc.have_bytes for sc in scores):
        parts.append(f"inputs there: {mib(chosen.have_bytes)}")
    elif len(scores) > 1:
        others = [sc for sc in scores if sc is not chosen]
        if chosen.copy_bytes < min(o.copy_bytes for o in others):
            parts.append(f"least to copy: {mib(chosen.copy_bytes)}")
        elif any(o.load > chosen.load for o in others):
            parts.append(f"least busy (load {chosen.load:.1f})")
        else:
            parts.append("soonest finish")
    else:
        parts.append("the only eligible host")
    if not chosen.free:
        parts.append(f"waits ~{chosen.wait:.0f} s for a slot")
    parts += [named(name, reason) for name, reason in left_out]
    return "; ".join(parts)
