"""What a build run reports: builds under way and ended, per-host views, the changes the views get, the summary."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal, TypeAlias, TypedDict

from nixswarm.hook.durations import drv_name

__all__ = [
    "BuildBegan",
    "BuildEnded",
    "BuildLog",
    "Change",
    "DrvResult",
    "DrvSummary",
    "HostSummary",
    "HostUnreachable",
    "HostView",
    "NixMessage",
    "Running",
    "Status",
    "Summary",
    "drv_name",
    "summarize",
]

Status: TypeAlias = Literal["built", "failed", "stopped"]
"""How a build ended."""


@dataclass(frozen=True)
class Running:
    """A build under way."""

    drv: str
    """The .drv store path."""
    started: float
    """When it started, on the Progress clock."""
    phase: str
    """The phase it reported last, or ""."""


@dataclass(frozen=True)
class DrvResult:
    """A build that ended."""

    drv: str
    """The .drv store path."""
    host: str
    """The host name it built on."""
    machine: str
    """The machine as Nix names it; "" for local."""
    seconds: float
    """How long it ran."""
    status: Status
    """built, failed, or stopped (ended without a result: Nix gave up on it after another failure)."""
    error: str
    """The first line of the error Nix gave that names it ("" when none came)."""
    log_tail: tuple[str, ...]
    """Its last log lines."""
    started: float | None = None
    """When it started, on the Progress clock; None when not known."""

    @property
    def name(self) -> str:
        """The derivation's name, without store hash and .drv."""
        return drv_name(self.drv)

    def failure(self) -> str:
        """Why it failed, in the host's own words: Nix's error and the last line the builder printed."""
        last = self.log_tail[-1] if self.log_tail else ""
        if self.error and last and last not in self.error:
            return f"{self.error}; last log line: {last}"
        return self.error or last or "failed"


@dataclass(frozen=True)
class HostView:
    """What one host is doing and has done."""

    name: str
    """The friendly name (or the machine name when none was given; "local" for this machine)."""
    machine: str
    """The machine as Nix names it; "" for local."""
    running: tuple[Running, ...]
    """Builds under way, oldest first."""
    built: int
    """Builds that succeeded."""
    failed: int
    """Builds that failed."""
    build_seconds: float
    """Time spent in builds that ended (succeeded, failed or stopped)."""
    errors: tuple[str, ...]
    """Its failed builds, as `name: why`."""
    connection_errors: tuple[str, ...]
    """Why Nix could not reach it, in Nix's and ssh's words (distinct, oldest first)."""


@dataclass(frozen=True)
class BuildBegan:
    """Change: a host started a build."""

    host: str
    """The host name."""
    drv: str
    """The .drv store path."""
    why: str = ""
    """Why the scheduler sent it there ("" when Nix's own hook chose)."""


@dataclass(frozen=True)
class BuildEnded:
    """Change: a build ended."""

    result: DrvResult
    """How."""


@dataclass(frozen=True)
class HostUnreachable:
    """Change: a new reason why a host could not be reached."""

    host: str
    """The host name."""
    error: str
    """The reason."""


@dataclass(frozen=True)
class NixMessage:
    """Change: Nix (or ssh, outside any connection attempt) said something that is about no one build."""

    level: int
    """0 error, 1 warning (lines outside `@nix` events count as warnings)."""
    text: str
    """The message, escapes stripped."""


@dataclass(frozen=True)
class BuildLog:
    """Change: a build printed a line, shown when the user asked for build logs (Watch makes these)."""

    host: str
    """The host name it builds on."""
    drv: str
    """The .drv store path."""
    text: str
    """The line, escapes stripped."""
    post_build: bool
    """True for output of the post-build hook."""


Change: TypeAlias = BuildBegan | BuildEnded | HostUnreachable | NixMessage | BuildLog
"""What Progress.feed returns (and Watch adds), for the views."""


class HostSummary(TypedDict):
    """One host in Summary."""

    built: int
    failed: int
    build_seconds: float
    errors: list[str]


class DrvSummary(TypedDict):
    """One ended build in Summary."""

    drv: str
    host: str
    started: float | None
    """Unix time when it started; None when not known."""
    seconds: float
    ok: bool
    status: str
    error: str


class Summary(TypedDict):
    """Progress.summary(): JSON-ready."""

    hosts: dict[str, HostSummary]
    derivations: list[DrvSummary]
    errors: list[str]


def summarize(
    views: Iterable[HostView], results: Iterable[DrvResult], errors: Iterable[str], *, epoch: float
) -> Summary:
    """JSON-ready totals of a run: per host, per derivation, and Nix's other errors. A derivation's start is told
    in Unix time: epoch is Unix time less the Progress clock's time (read once, when the build started)."""
    hosts: dict[str, HostSummary] = {}
    for view in views:
        hosts[view.name] = {
            "built": view.built,
            "failed": view.failed,
            "build_seconds": round(view.build_seconds, 3),
            "errors": [*view.connection_errors, *view.errors],
        }
    derivations: list[DrvSummary] = [
        {
            "drv": r.drv,
            "host": r.host,
            "started": None if r.started is None else round(epoch + r.started, 3),
            "seconds": round(r.seconds, 3),
            "ok": r.status == "built",
            "status": r.status,
            "error": r.failure() if r.status == "failed" else "",
        }
        for r in results
    ]
    return {"hosts": hosts, "derivations": derivations, "errors": list(errors)}
