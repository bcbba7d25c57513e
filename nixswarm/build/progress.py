"""Who builds what: per-host build state, folded from the log events of one nix run.

How Nix reports the end of a build differs by version: current Nix counts the build as done or failed
(resProgress of the top-level actBuilds activity) and then stops its actBuild activity; Nix 2.8 stops the
activity of a dependency only when the whole run ends. So a count decides that *a* build ended, and the
next event decides which: the build whose activity stops, the build an error names, else the build its
host finished (an ssh-ng builder's own activity stopped, or outputs are copied back), else the oldest.
"""

from __future__ import annotations

import bisect
import time
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace

from nixswarm.build.build_graph import BuildGraph
from nixswarm.build.connect_output import ConnectOutput, add_distinct
from nixswarm.build.counts import Counts, NixCounts
from nixswarm.build.log_events import (
    ActivityStopped,
    BuildCounts,
    BuildsActivity,
    BuildStarted,
    Connecting,
    CopyingOutputs,
    Event,
    LogLine,
    Message,
    PhaseChanged,
    PlainText,
    parse_line,
)
from nixswarm.build.nix_messages import CANNOT_BUILD_ON, NO_BUILDER, SSH_HOST, STORE_DRV, machine_address, one_line
from nixswarm.build.results import (
    BuildBegan,
    BuildEnded,
    Change,
    DrvResult,
    HostUnreachable,
    HostView,
    NixMessage,
    Running,
    Status,
    Summary,
    summarize,
)
from nixswarm.model.validate import LOCAL

__all__ = ["Progress"]

LOG_TAIL = 10
"""Log lines kept per build, for the error of a failed one."""


@dataclass
class _Build:
    drv: str
    machine: str
    started: float
    seq: int
    phase: str = ""
    error: str = ""
    finished_remotely: bool = False
    tail: deque[str] = field(default_factory=lambda: deque(maxlen=LOG_TAIL))


@dataclass
class _Host:
    name: str
    machine: str
    built: int = 0
    failed: int = 0
    seconds: float = 0.0
    connection_errors: list[str] = field(default_factory=list)


class Progress:
    """Fed the events of one nix run, one by one; knows per host what builds, what ended and what failed."""

    def __init__(self, names: Mapping[str, str] | None = None, clock: Callable[[], float] = time.monotonic) -> None:
        """names maps machine names as Nix prints them (`ssh-ng://nixswarm-b1`) to host names (`b1`)."""
        self._names = dict(names or {})
        self._clock = clock
        self._epoch = time.time() - clock()
        """Unix time less clock time, read once: the summary's start of a build is its start on the clock plus this."""
        self.graph = BuildGraph()
        """The derivations Nix said it will build, and what each needs (for the ETA)."""
        self.why: Callable[[str], str] = lambda drv: ""
        """Why a derivation went where it builds (the build's PlacementLog), told with its BuildBegan."""
        self._hosts: dict[str, _Host] = {"": _Host(LOCAL, "")}
        for machine in self._names:
            self._host(machine)
        self._builds: dict[int, _Build] = {}
        """Running builds by activity id."""
        self._sources: dict[int, tuple[str, str]] = {}
        """Every build activity seen (ours and forwarded ones) -> its machine and drv, for the lines it prints."""
        self._nested: dict[int, int] = {}
        """An ssh-ng builder's own build activity (forwarded) -> ours."""
        self._connects = ConnectOutput()
        self._results: list[DrvResult] = []
        self._blamed: set[int] = set()
        """Indexes of results whose error came from a Nix message."""
        self._nix = NixCounts()
        self._pending: list[Status] = []
        """Builds Nix counted as ended before saying which."""
        self._seq = 0
        self.version = 0
        """Grows whenever a build starts or ends."""
        self.peak = 0
        """The most builds that ran at once."""
        self._built_seconds: list[float] = []
        """How long each successful build took, sorted."""
        self._errors: list[str] = []
        self._warnings: list[str] = []

    # ---- input ------------------------------------------------------------------------------------
    def feed_line(self, line: str) -> list[Change]:
        """Parse one stderr line of nix and feed its event."""
        return self.feed(parse_line(line))

    def feed_lines(self, lines: Iterable[str]) -> list[Change]:
        """Feed many lines; all their changes."""
        return [change for line in lines for change in self.feed_line(line)]

    def feed(self, event: Event | None) -> list[Change]:
        """Take one event; returns what changed, for the views."""
        changes: list[Change] = []
        if self._pending and self._moves_on(event):
            changes += self._settle()
        return changes + self._apply(event)

    def finish(self) -> list[Change]:
        """nix has exited: settle what it counted, and end what still runs as stopped."""
        changes = self._settle()
        for act in list(self._builds):
            changes += self._end(act, "stopped")
        return changes

    def _apply(self, event: Event | None) -> list[Change]:
        match event:
            case BuildStarted():
                self.graph.started()
                return self._started(event)
            case ActivityStopped(id=act):
                return self._stopped(act)
            case LogLine() | PhaseChanged():
                self._output(event)
            case Connecting(id=act, machine=machine):
                self._connects.started(act, machine)
                self._host(machine)
            case CopyingOutputs(machine=machine):
                on_machine = [b for b in self._builds.values() if b.machine == machine]
                if on_machine and not any(b.finished_remotely for b in on_machine):
                    min(on_machine, key=lambda b: b.seq).finished_remotely = True
            case BuildsActivity(id=act):
                self._nix.opened(act)
            case BuildCounts():
                if (counted := self._nix.report(event)) is not None:
                    self._count(*counted)
            case Message(level=level, text=text) if level <= 1:
                return self._message(level, text)
            case Message(text=text):
                self.graph.message(text)
            case PlainText(text=text) if text.strip() and not self._connects.keep(text):
                return [NixMessage(1, text)]  # ssh's lines while the hook connects are kept for that attempt
        return []

    def source(self, activity: int) -> tuple[str, str] | None:
        """The host name and derivation of a build activity (ours, or the builder's forwarded one), ended or not."""
        found = self._sources.get(activity)
        return (self.host_name(found[0]), found[1]) if found is not None else None

    def keep_log(self, activity: int, text: str) -> bool:
        """A builder's log line, straight into its build's tail (the LogLine's whole effect); False, keeping
        nothing, while builds Nix counted wait to be named: feed the LogLine then, it names them."""
        if self._pending:
            return False
        if (build := self._builds.get(self._nested.get(activity, activity))) is not None:
            build.tail.append(text)
        return True

    def _output(self, event: LogLine | PhaseChanged) -> None:
        if (build := self._builds.get(self._nested.get(event.id, event.id))) is None:
            return
        if isinstance(event, LogLine):
            build.tail.append(event.text)
        else:
            build.phase = event.phase

    def _started(self, event: BuildStarted) -> list[Change]:
        if not event.machine:
            outer = next((act for act, b in self._builds.items() if b.drv == event.drv and b.machine), None)
            if outer is not None:  # an ssh-ng builder's own build activity, forwarded: the same build
                self._nested[event.id] = outer
                self._sources[event.id] = self._sources[outer]
                return []
        self._seq += 1
        self.version += 1
        self._builds[event.id] = _Build(event.drv, event.machine, self._clock(), self._seq)
        self._sources[event.id] = (event.machine, event.drv)
        self.peak = max(self.peak, len(self._builds))
        return [BuildBegan(self._host(event.machine).name, event.drv, self.why(event.drv))]

    def _stopped(self, act: int) -> list[Change]:
        self._connects.stopped(act)
        if act in self._nested and (outer := self._builds.get(self._nested[act])) is not None:
            outer.finished_remotely = True
        self._nix.closed(act)
        build = self._builds.get(act)
        if build is None:
            return []
        if not self._pending:
            return self._end(act, "stopped")
        status: Status = "failed" if build.error and "failed" in self._pending else self._pending[0]
        self._pending.remove(status)
        return self._end(act, status)

    def _count(self, done: int, failed: int) -> None:
        built: list[Status] = ["built"] * done
        self._pending += built + ["failed"] * failed
        del self._pending[len(self._builds) :]

    def _moves_on(self, event: Event | None) -> bool:
        """Nix went on after counting builds without stopping one or naming one: settle them now."""
        match event:
            case None | BuildCounts():
                return False
            case ActivityStopped(id=act):
                return act not in self._builds
            case Message(level=0, text=text):
                return self._named_build(text) is None
        return True

    def _settle(self) -> list[Change]:
        """End the counted builds: the failed ones those an error named, else those their host finished."""
        changes: list[Change] = []
        while self._pending and self._builds:
            status = self._pending.pop(0)
            act = min(self._builds, key=lambda a: self._settle_order(self._builds[a], status))
            changes += self._end(act, status)
        self._pending.clear()
        return changes

    @staticmethod
    def _settle_order(build: _Build, status: Status) -> tuple[bool, bool, int]:
        return ((status == "failed") != bool(build.error), not build.finished_remotely, build.seq)

    def _end(self, act: int, status: Status) -> list[Change]:
        build = self._builds.pop(act)
        host = self._host(build.machine)
        seconds = max(0.0, self._clock() - build.started)
        self.version += 1
        if status == "built":
            bisect.insort(self._built_seconds, seconds)
        result = DrvResult(
            build.drv, host.name, build.machine, seconds, status, build.error, tuple(build.tail), build.started
        )
        if build.error:
            self._blamed.add(len(self._results))
        self._results.append(result)
        host.seconds += seconds
        host.built += status == "built"
        host.failed += status == "failed"
        return [BuildEnded(result)]

    def _message(self, level: int, text: str) -> list[Change]:
        cannot = CANNOT_BUILD_ON.match(text)
        if cannot is not None:
            machine = cannot.group(1)
            output = self._connects.take(machine)
            return [c for error in [*output, cannot.group(2)] for c in self._unreachable(machine, error)]
        if level == 0:
            named = self._named_build(text)
            if named is not None:
                return self._blame(named, one_line(text))
            ssh = SSH_HOST.search(text)
            machine = self._machine_of(ssh.group(1)) if ssh is not None else None
            if machine is not None:
                return self._unreachable(machine, text)
        if not text.startswith("trace: "):  # builtins.trace prints at error level
            add_distinct(self._errors if level == 0 else self._warnings, one_line(text))
        return [NixMessage(level, text)]

    def _named_build(self, text: str) -> str | None:
        """The one .drv an error names, when it is a build of this run (running or ended)."""
        drvs = set(STORE_DRV.findall(text))
        if len(drvs) != 1:
            return None
        drv = drvs.pop()
        known = any(b.drv == drv for b in self._builds.values()) or any(r.drv == drv for r in self._results)
        return drv if known else None

    def _blame(self, drv: str, reason: str) -> list[Change]:
        """Give an error to the build it names; a running one ends now if Nix counted a failure."""
        changes: list[Change] = []
        for act, build in list(self._builds.items()):
            if build.drv == drv:
                build.error = build.error or reason
                if "failed" in self._pending:
                    self._pending.remove("failed")
                    changes += self._end(act, "failed")
        for index, result in enumerate(self._results):
            if result.drv == drv and index not in self._blamed:
                self._blamed.add(index)
                self._results[index] = self._refail(result, reason)
        return changes

    def _refail(self, result: DrvResult, reason: str) -> DrvResult:
        """result, failed with reason: Nix printed an error naming it after it ended."""
        host = self._host(result.machine)
        host.built -= result.status == "built"
        host.failed += result.status != "failed"
        return replace(result, status="failed", error=reason)

    def _unreachable(self, machine: str, error: str) -> list[Change]:
        host = self._host(machine)
        reason = one_line(error)
        if not add_distinct(host.connection_errors, reason):
            return []
        return [HostUnreachable(host.name, reason)]

    # ---- lookups ------------------------------------------------------------------------------------
    def _host(self, machine: str) -> _Host:
        if (host := self._hosts.get(machine)) is None:
            host = self._hosts[machine] = _Host(self.host_name(machine), machine)
        return host

    def _machine_of(self, address: str) -> str | None:
        """The known machine whose URI names this ssh host (`root@10.0.0.1` or `10.0.0.1`)."""
        for machine in self._hosts:
            if machine and address in (machine_address(machine), machine_address(machine).rsplit("@", 1)[-1]):
                return machine
        return None

    # ---- output --------------------------------------------------------------------------------------
    def host_name(self, machine: str) -> str:
        """The friendly name of a machine as Nix names it."""
        if not machine:
            return LOCAL
        return self._names.get(machine) or self._names.get(machine.split("?", 1)[0]) or machine

    def hosts(self) -> list[HostView]:
        """Every host seen or named, local first."""
        views = []
        for machine, host in self._hosts.items():
            running = tuple(Running(b.drv, b.started, b.phase) for b in self._builds.values() if b.machine == machine)
            failures = tuple(
                f"{r.name}: {r.failure()}" for r in self._results if r.machine == machine and r.status == "failed"
            )
            unreachable = tuple(host.connection_errors)
            views.append(
                HostView(host.name, machine, running, host.built, host.failed, host.seconds, failures, unreachable)
            )
        return views

    def running(self) -> list[tuple[str, Running]]:
        """Builds under way, oldest first, with the host name of each."""
        return [(self.host_name(b.machine), Running(b.drv, b.started, b.phase)) for b in self._builds.values()]

    @property
    def counts(self) -> Counts:
        """Nix's own counts of the run's builds: done, failed, running, total."""
        return self._nix.counts

    def median_built(self) -> float | None:
        """The median time of the builds of this run that succeeded; None before one did."""
        times = self._built_seconds
        if not times:
            return None
        middle = len(times) // 2
        return times[middle] if len(times) % 2 else (times[middle - 1] + times[middle]) / 2

    def results(self) -> list[DrvResult]:
        """Builds that ended, in order."""
        return list(self._results)

    @property
    def connection_errors(self) -> dict[str, tuple[str, ...]]:
        """Per host name, why Nix could not reach it (hosts without such errors are left out)."""
        return {h.name: tuple(h.connection_errors) for h in self._hosts.values() if h.connection_errors}

    @property
    def errors(self) -> tuple[str, ...]:
        """Errors of Nix that name no one build of this run and no host (first lines, distinct)."""
        return tuple(self._errors)

    @property
    def blames_missing_builder(self) -> bool:
        """Nix said no machine could take a build: the real cause is likely in connection_errors."""
        return any(marker in text for text in [*self._errors, *self._warnings] for marker in NO_BUILDER)

    def summary(self) -> Summary:
        """JSON-ready totals: per host, per derivation, and Nix's other errors."""
        return summarize(self.hosts(), self._results, self._errors, epoch=self._epoch)
