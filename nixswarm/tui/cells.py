"""The cells of a host table row, as Rich Text (never markup: names and errors come from the network)."""

from __future__ import annotations

from rich.text import Span, Text

from nixswarm.model.probe import FailureKind
from nixswarm.model.trust import TrustState
from nixswarm.tui.board import HostRow, LocalRow
from nixswarm.tui.palette import Palette
from nixswarm.tui.spark import sparkline

COLUMNS = (
    ("use", "Use", 4),
    ("name", "Name", 16),
    ("address", "Address", 16),
    ("systems", "Systems", 16),
    ("cores", "CPUs", 4),
    ("load", "Load", 14),
    ("jobs", "Jobs", 4),
    ("speed", "Speed", 5),
    ("trust", "Trust", 10),
    ("status", "Status", 0),
)
"""(key, header, width); width 0 fits the content."""
SPARK = 8
"""Samples shown in the load cell."""
STATUS_MAX = 40

Cells = tuple[Text, ...]


def _systems(systems: tuple[str, ...]) -> str:
    if not systems:
        return "-"
    return f"{systems[0]} +{len(systems) - 1}" if len(systems) > 1 else systems[0]


def load_cell(loads: tuple[float, ...], cores: int, palette: Palette) -> Text:
    """The latest load and a sparkline of the ones before, scaled to the core count."""
    if not loads:
        return Text("-", style=palette.muted)
    latest = loads[-1]
    number = f"{latest:5.2f} "
    spans = [Span(len(number), len(number) + SPARK, palette.accent)]  # built directly: 200 hosts, every second
    if cores and latest > cores:
        spans.insert(0, Span(0, len(number), palette.error))
    return Text(number + sparkline(loads, float(cores), SPARK), spans=spans)


def weight_label(weight: float | None) -> str:
    """defaults.local_weight in words."""
    return "auto" if weight is None else f"{weight:.0%}"


def local_cells(row: LocalRow, weight: float | None, palette: Palette) -> Cells:
    """The local machine: its weight stands where hosts show whether they are used."""
    local, nix = row.local, row.local.nix
    status = Text(local.nix_error or "ok", style=palette.error if local.nix_error else palette.ok)
    return (
        Text(weight_label(weight), style=palette.accent),
        Text(local.hostname, style=f"bold {palette.accent}"),
        Text("this machine", style=palette.accent),
        Text(_systems(nix.systems if nix else ())),
        Text(str(local.cores)),
        load_cell(row.loads, local.cores, palette),
        Text(str(nix.max_jobs) if nix else "-"),
        Text("-", style=palette.muted),
        Text("-", style=palette.muted),
        status,
    )


def local_placeholder(palette: Palette) -> Cells:
    """The local machine before its probe answers."""
    muted = [Text("-", style=palette.muted) for _ in range(7)]
    return (
        Text("", style=palette.accent),
        Text("this machine", style=f"bold {palette.accent}"),
        *muted,
        Text("probing…", style=palette.muted),
    )


def trust_cell(row: HostRow, palette: Palette) -> Text:
    """`✓ abcdefgh` approved, `? abcdefgh` not yet, `✗ CHANGED` refused."""
    key = row.presented
    short = key.fingerprint[7:15] if key else ""
    if row.trust is TrustState.CHANGED:
        return Text("✗ CHANGED", style=f"bold {palette.error}")
    if row.trust is TrustState.APPROVED:
        return Text(f"✓ {short or 'approved'}", style=palette.ok)
    return Text(f"? {short or 'unknown'}", style=palette.warn)


def status_text(row: HostRow) -> str:
    """What happened to the host, in one line."""
    if not row.probed:
        return "probing…"
    if row.failure is not None and row.failure.kind is FailureKind.HOST_KEY_CHANGED:
        text = "KEY CHANGED: not used"
    elif row.failure is not None:
        message = row.failure.message
        if message.startswith(f"{row.name} (") and "): " in message:  # the table names the host already
            message = message.split("): ", 1)[1]
        text = f"{row.failure.kind.value}: {message}"
    elif row.result is None:
        text = "plain ssh server, not probed"
    else:
        text = "ok"
    return "; ".join([text, *row.warnings])


def host_cells(row: HostRow, palette: Palette) -> Cells:
    """One remote host."""
    host, choice, result = row.known.host, row.known.choice, row.result
    status = status_text(row)
    if len(status) > STATUS_MAX:
        status = status[: STATUS_MAX - 1] + "…"
    status_style = (
        palette.muted
        if not row.probed
        else palette.error
        if row.failure
        else palette.warn
        if (row.warnings or result is None)
        else palette.ok
    )
    address = host.address if host.port == 22 else f"{host.address}:{host.port}"
    cores = result.cores if result else 0
    return (
        Text("●" if choice.enabled else "○", style=palette.ok if choice.enabled else palette.muted),
        Text(host.name, style="" if row.known.configured else "italic"),
        Text(address),
        Text(_systems(result.nix.systems if result else host.systems)),
        Text(str(cores) if result else "-"),
        load_cell(row.loads, cores, palette),
        Text(str(host.capped_jobs(choice.max_jobs))),
        Text(f"{choice.speed_factor:g}"),
        trust_cell(row, palette),
        Text(status, style=status_style),
    )


def row_matches(row: HostRow, needle: str) -> bool:
    """The filter: a case-insensitive substring of the name, address, systems, trust or status."""
    if not needle:
        return True
    host = row.known.host
    systems = row.result.nix.systems if row.result else host.systems
    haystack = " ".join([host.name, *host.addresses, *systems, row.trust.value, status_text(row)])
    return needle.lower() in haystack.lower()
