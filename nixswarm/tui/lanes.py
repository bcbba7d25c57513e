"""The cells of the build screen: a lane per host, a row per derivation (Rich Text, never markup)."""

from __future__ import annotations

from rich.text import Text

from nixswarm.build.results import DrvResult, HostView, Running, drv_name
from nixswarm.build.view_plain import format_duration
from nixswarm.tui.palette import Palette

LANE_COLUMNS = (
    ("host", "Host", 14),
    ("running", "Running now", 44),
    ("built", "Built", 5),
    ("failed", "Failed", 6),
    ("time", "Busy", 11),
    ("note", "Last error", 0),
)
NOTE_MAX = 48
"""The lane shows the start of its last error; the summary has all of it."""
DRV_COLUMNS = (("drv", "Derivation", 28), ("host", "Host", 10), ("status", "Status", 14), ("time", "Time", 10))


def _running(run: Running, now: float) -> str:
    phase = f" {run.phase}" if run.phase else ""
    return f"{drv_name(run.drv)}{phase} {format_duration(now - run.started)}"


def lane_cells(view: HostView, now: float, palette: Palette) -> tuple[Text, ...]:
    """What runs on the host, how many built and failed, time spent, the last error."""
    running = ", ".join(_running(r, now) for r in view.running)
    busy = view.build_seconds + sum(now - r.started for r in view.running)
    errors = (*view.connection_errors, *view.errors)
    note = errors[-1] if errors else ""
    return (
        Text(view.name, style="bold"),
        Text(running or "idle", style="" if running else palette.muted),
        Text(str(view.built), style=palette.ok if view.built else palette.muted),
        Text(str(view.failed), style=palette.error if view.failed else palette.muted),
        Text(format_duration(busy)),
        Text(note if len(note) <= NOTE_MAX else note[: NOTE_MAX - 1] + "…", style=palette.error),
    )


def running_cells(host: str, run: Running, now: float, palette: Palette) -> tuple[Text, ...]:
    """A derivation under way."""
    status = f"building {run.phase}".strip()
    return (
        Text(drv_name(run.drv)),
        Text(host),
        Text(status, style=palette.accent),
        Text(format_duration(now - run.started)),
    )


def ended_cells(result: DrvResult, palette: Palette) -> tuple[Text, ...]:
    """A derivation that ended."""
    style = {"built": palette.ok, "failed": f"bold {palette.error}"}.get(result.status, palette.warn)
    return (
        Text(result.name),
        Text(result.host),
        Text(result.status, style=style),
        Text(format_duration(result.seconds)),
    )
