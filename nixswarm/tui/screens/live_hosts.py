"""The live host table: the scan's events and load refreshes folded into the board and drawn as they come."""

from __future__ import annotations

import time

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.message import Message
from textual.theme import Theme
from textual.widgets import Input, Static
from textual.worker import Worker

from nixswarm.model.trust import TrustState
from nixswarm.model.validate import LOCAL
from nixswarm.scan.session import Event
from nixswarm.tui.board import Board, HostRow
from nixswarm.tui.cells import (
    COLUMNS,
    Cells,
    host_cells,
    load_cell,
    local_cells,
    local_placeholder,
    row_matches,
    weight_label,
)
from nixswarm.tui.context import AppContext
from nixswarm.tui.failures import JobScreen
from nixswarm.tui.jobs.refresh_job import read, refresh_targets, target
from nixswarm.tui.jobs.scan_job import scan_events
from nixswarm.tui.palette import Palette
from nixswarm.tui.services import Outcome
from nixswarm.tui.widgets.host_grid import HostGrid
from nixswarm.tui.widgets.key_bar import KeyBar


class LiveHosts(JobScreen):
    """Hosts appear as the scan finds them and fill in as their probes answer; loads refresh on their own."""

    AUTO_FOCUS = "HostGrid"

    class Scanned(Message):
        """The scan reported something."""

        def __init__(self, event: Event) -> None:
            super().__init__()
            self.event = event

    class ScanEnded(Message):
        """The scan is over."""

        def __init__(self, seconds: float) -> None:
            super().__init__()
            self.seconds = seconds

    class Probed(Message):
        """A load refresh, or a probe after an approval, answered."""

        def __init__(self, name: str, outcome: Outcome) -> None:
            super().__init__()
            self.name = name
            self.outcome = outcome

    class LocalLoad(Message):
        """A new local load reading."""

        def __init__(self, load: float) -> None:
            super().__init__()
            self.load = load

    def __init__(self, ctx: AppContext) -> None:
        super().__init__()
        self.ctx = ctx
        self.board = Board()
        self.palette: Palette | None = None
        self.needle = ""
        self.scan_state = "scanning…"
        self._refreshing: Worker[None] | None = None
        self._grid: HostGrid | None = None

    # ---- layout and drawing ---------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        yield Static(id="topbar", markup=False)
        yield HostGrid(COLUMNS, id="hosts")
        yield Input(placeholder="filter: name, address, system, trust or status (escape clears)", id="filter")
        yield KeyBar()

    @property
    def table(self) -> HostGrid:
        """The host grid (looked up once: load refreshes ask for it hundreds of times a second)."""
        if self._grid is None:
            self._grid = self.query_one(HostGrid)
        return self._grid

    def on_mount(self) -> None:
        self.palette = Palette.from_variables(self.app.get_css_variables())
        self.app.theme_changed_signal.subscribe(self, self._recolor)
        config = self.ctx.config
        self.board.expect(config.settings.hosts, config.state)
        self.redraw()
        self.scan()
        if self.ctx.refresh_interval is not None:
            self.set_interval(self.ctx.refresh_interval, self.refresh_loads)

    def _pal(self) -> Palette:
        assert self.palette is not None
        return self.palette

    def _local_cells(self) -> Cells:
        local = self.board.local
        if local is None:
            return local_placeholder(self._pal())
        return local_cells(local, self.ctx.config.settings.defaults.local_weight, self._pal())

    def redraw(self) -> None:
        """Every row again (filter or theme changed)."""
        rows = [(LOCAL, self._local_cells())] if not self.needle else []
        rows += [(r.name, host_cells(r, self._pal())) for r in self.board.rows() if row_matches(r, self.needle)]
        self.table.show_all(rows, self.table.current)
        self.show_topbar()

    def show_row(self, row: HostRow) -> None:
        """One host's row as it is now; hidden when the filter does not match it."""
        if row_matches(row, self.needle):
            self.table.show(row.name, host_cells(row, self._pal()))
        elif self.table.has(row.name):
            self.table.remove_row(row.name)

    def show_local(self) -> None:
        if self.table.has(LOCAL):
            self.table.show(LOCAL, self._local_cells())

    def show_topbar(self) -> None:
        rows = self.board.rows()
        used = sum(1 for r in rows if r.known.choice.enabled)
        approved = sum(1 for r in rows if r.trust is TrustState.APPROVED)
        weight = weight_label(self.ctx.config.settings.defaults.local_weight)
        parts = [f"{len(rows)} hosts, {used} used, {approved} approved", f"local weight {weight}", self.scan_state]
        if self.needle:
            parts.append(f"filter: {self.needle}")
        self.query_one("#topbar", Static).update(Text("nixswarm  " + "  ·  ".join(parts)))

    def _recolor(self, theme: Theme) -> None:
        self.palette = Palette.from_variables(self.app.get_css_variables())
        self.redraw()

    # ---- scan and refresh -------------------------------------------------------------------------------
    @work(exclusive=True, exit_on_error=False, group="scan")
    async def scan(self) -> None:
        """Run the core's scan; each event goes to the table as a message."""
        ctx, clock = self.ctx, self.ctx.services.clock
        started = clock()
        config = ctx.config
        async for event in scan_events(ctx.services, config.settings, config.state, ctx.options, ctx.cache):
            self.post_message(self.Scanned(event))
        self.post_message(self.ScanEnded(clock() - started))

    def on_live_hosts_scanned(self, message: Scanned) -> None:
        config = self.ctx.config
        key = self.board.apply(message.event, config.settings, config.state, time.monotonic())
        if key == LOCAL:
            self.show_local()
        elif key is not None and (row := self.board.row(key)) is not None:
            self.show_row(row)
            self.show_topbar()

    def on_live_hosts_scan_ended(self, message: ScanEnded) -> None:
        self.scan_state = f"scanned in {message.seconds:.1f} s"
        self.show_topbar()

    def refresh_loads(self) -> None:
        """Start a load refresh unless one is still under way."""
        if self._refreshing is None or self._refreshing.is_finished:
            self._refreshing = self.read_loads()

    @work(exclusive=True, exit_on_error=False, group="refresh")
    async def read_loads(self) -> None:
        """Load of every host that answered, over kept connections: no full probe."""
        ctx = self.ctx
        self.post_message(self.LocalLoad(ctx.services.local_load()))
        targets = refresh_targets(self.board.rows(), ctx.config.settings.defaults, ctx.config.state)
        async for name, outcome in read(ctx.services.probe, targets, ctx.cache, ctx.pool):
            self.post_message(self.Probed(name, outcome))

    def on_live_hosts_probed(self, message: Probed) -> None:
        old = self.board.row(message.name)
        row = self.board.refreshed(message.name, message.outcome, self.ctx.config.state, time.monotonic())
        if row is None or not self.table.has(row.name):
            return
        if old is not None and (old.failure, old.trust) == (row.failure, row.trust) and old.probed:
            cores = row.result.cores if row.result else 0
            self.table.show_cell(row.name, "load", load_cell(row.loads, cores, self._pal()))
        else:
            self.show_row(row)

    def on_live_hosts_local_load(self, message: LocalLoad) -> None:
        local = self.board.local_load(message.load)
        if local is not None and self.table.has(LOCAL):
            self.table.show_cell(LOCAL, "load", load_cell(local.loads, local.local.cores, self._pal()))

    def probe_again(self, name: str) -> None:
        """Probe one host now (after its key was approved)."""
        row = self.board.row(name)
        if row is None:
            return
        ctx = self.ctx
        one = target(row, ctx.config.settings.defaults, ctx.config.state)

        async def run() -> None:
            async for done, outcome in read(ctx.services.probe, [one], ctx.cache, ctx.pool):
                self.post_message(self.Probed(done, outcome))

        self.run_worker(run(), group=f"probe-{name}", exclusive=True, exit_on_error=False)
