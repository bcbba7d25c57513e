"""The build screen: its progress and ETA, a lane per host, the selected derivation's log, the summary at the end."""

from __future__ import annotations

import contextlib
import itertools
from collections.abc import Callable, Sequence
from typing import ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widgets import DataTable, Log, Static
from textual.worker import Worker, WorkerCancelled, WorkerFailed, WorkerState

from nixswarm.build.eta import Expected, no_history
from nixswarm.build.log_flags import LogWish
from nixswarm.build.prepare import BuildRequest
from nixswarm.build.results import Summary, drv_name
from nixswarm.build.view_plain import format_duration, format_summary
from nixswarm.errors import NixswarmError
from nixswarm.files.selection import Skipped
from nixswarm.tui.build_board import BuildBoard
from nixswarm.tui.context import AppContext
from nixswarm.tui.failures import JobScreen
from nixswarm.tui.lanes import DRV_COLUMNS, LANE_COLUMNS, ended_cells, lane_cells, running_cells
from nixswarm.tui.palette import Palette
from nixswarm.tui.screens.confirm import ConfirmScreen
from nixswarm.tui.widgets.build_progress import BuildProgress
from nixswarm.tui.widgets.key_bar import KeyBar

TICK = 1.0
"""Seconds between redraws while nothing happens (elapsed times move)."""
CHATTY = 0.1
"""Least seconds between two redraws asked for by log lines alone (a build starting or ending redraws at once)."""


class _Feed:
    """The BuildListener the core's build talks to: feeds the board, then asks for one redraw (of a chatty build's
    log, at most every CHATTY seconds; the TICK redraw shows the last lines)."""

    def __init__(self, board: BuildBoard, changed: Callable[[], None]) -> None:
        self.board = board
        self.changed = changed
        self._told: tuple[int, float] | None = None
        """The board's version and the time when a redraw was last asked for by lines."""

    def planned(self, machines: dict[str, str], skipped: Sequence[Skipped], notes: Sequence[str]) -> None:
        self.board.planned(machines, skipped, notes)
        self.changed()

    def dry_run(self, text: str) -> None:
        self.board.notes += (text,)  # the build prompt takes no --dry-run; shown should a request ask for one
        self.changed()

    def started(self, wish: LogWish, why: Callable[[str], str], expected: Expected = no_history) -> None:
        self.board.progress.why = why
        if expected is not no_history:  # the build's history; else the Services' own (a test's fake)
            self.board.use_history(expected)
        self.changed()  # the build screen shows every log itself, whatever -L or --log-format asked

    def planned_drvs(self, drvs: Sequence[str]) -> None:
        self.board.progress.graph.set_planned(list(drvs))

    def lines(self, texts: Sequence[str]) -> None:
        self.board.feed_lines(texts)
        version, now = self.board.progress.version, self.board.clock()
        if self._told is None or self._told[0] != version or now - self._told[1] >= CHATTY:
            self._told = (version, now)
            self.changed()

    def tick(self) -> None:
        """The screen redraws on its own interval."""

    def ended(self) -> Summary:
        self.board.progress.finish()
        return self.board.progress.summary()

    def history_warning(self, text: str) -> None:
        self.board.history_warning = text
        self.changed()


def _table(widget_id: str, columns: tuple[tuple[str, str, int], ...], *, cursor: bool) -> DataTable[Text]:
    table: DataTable[Text] = DataTable(id=widget_id, cursor_type="row" if cursor else "none")
    for key, label, width in columns:
        table.add_column(label, key=key, width=width or None)
    return table


def _show(table: DataTable[Text], key: str, cells: tuple[Text, ...], columns: tuple[tuple[str, str, int], ...]) -> None:
    if key in table.rows:
        for (column, _, _), cell in zip(columns, cells, strict=True):
            table.update_cell(key, column, cell)
    else:
        table.add_row(*cells, key=key)


class BuildScreen(JobScreen):
    """One build, from prepare to summary; c cancels it (after a confirmation)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("c", "cancel", "Cancel build"),
        Binding("escape,q", "close", "Back"),
    ]
    AUTO_FOCUS = "#drvs"

    class Changed(Message):
        """The build moved on: redraw (posted at most once until handled)."""

    def __init__(self, ctx: AppContext, request: BuildRequest) -> None:
        super().__init__()
        self.ctx = ctx
        self.request = request
        self.board = BuildBoard(ctx.services.clock, ctx.services.expected)
        self.state = "preparing: checking the hosts and the local Nix…"
        self.exit_code: int | None = None
        self.worker: Worker[None] | None = None
        self.selected: str | None = None
        self._shown = 0
        self._pending = False

    @property
    def running(self) -> bool:
        """The build job has not ended."""
        return self.worker is not None and not self.worker.is_finished

    def compose(self) -> ComposeResult:
        yield Static(id="build-title", markup=False)
        yield Static(id="build-notes", markup=False)
        yield BuildProgress(id="build-progress")
        yield _table("lanes", LANE_COLUMNS, cursor=False)
        with Horizontal(id="build-bottom"):
            yield _table("drvs", DRV_COLUMNS, cursor=True)
            with Vertical(id="log-pane"):
                yield Static("log: (no derivation yet)", id="log-title", markup=False)
                yield Log(id="drv-log", max_lines=5000)
        yield Static(id="summary", markup=False)
        yield KeyBar()

    def on_mount(self) -> None:
        self.palette = Palette.from_variables(self.app.get_css_variables())
        self.worker = self.build()
        self.set_interval(TICK, self.redraw)
        self.redraw()

    @work(exclusive=True, exit_on_error=False, group="build")
    async def build(self) -> None:
        """The core's build, fed to the board as nix's lines are read."""
        config = self.ctx.config
        feed = _Feed(self.board, self._changed)
        self.exit_code = await self.ctx.services.build(config.settings, config.state, self.request, feed)

    def _changed(self) -> None:
        if not self._pending:
            self._pending = True
            self.post_message(self.Changed())

    def on_build_screen_changed(self) -> None:
        self._pending = False
        if self.running and self.board.progress.hosts():
            self.state = "building"
        self.redraw()

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.worker is not self.worker or not event.worker.is_finished:
            return
        self.board.progress.finish()
        if event.state is WorkerState.SUCCESS:
            self.state = "done" if self.exit_code == 0 else f"failed: nix exited with {self.exit_code}"
        elif event.state is WorkerState.CANCELLED:
            self.state = "cancelled"
        else:
            error = event.worker.error
            self.state = f"did not run: {error.message if isinstance(error, NixswarmError) else error}"
        self.redraw()
        self.refresh_bindings()
        self.query_one("#summary", Static).update(self.summary_text())
        self.query_one("#summary").add_class("shown")

    def summary_text(self) -> Text:
        """The per-host summary, as `nixswarm build` prints it, after what went wrong with the history if anything."""
        text = Text("Summary\n", style="bold")
        if self.board.history_warning:  # first: the summary's end may be cut off
            text.append(f"{self.board.history_warning}\n", style=self.palette.warn)
        text.append(format_summary(self.board.progress.summary()))
        return text

    # ---- drawing ------------------------------------------------------------------------------------------
    def redraw(self) -> None:
        """Title, lanes, derivations and the selected log as the board has them now."""
        board, now = self.board, self.board.clock()
        what = " ".join(self.request.nix_args)
        title = f"nixswarm build {what}  ·  {self.state}  ·  {format_duration(board.elapsed())}"
        self.query_one("#build-title", Static).update(Text(title, style="bold"))
        notes = [f"left out {s.name}: {s.reason}" for s in board.skipped] + list(board.notes)
        self.query_one("#build-notes", Static).update(Text("\n".join(notes)))
        outlook = board.forecast.outlook(now)
        self.query_one("#build-progress", BuildProgress).show(outlook, self.palette, ended=not self.running)
        lanes = self.query_one("#lanes", DataTable)
        for view in board.progress.hosts():
            _show(lanes, view.name, lane_cells(view, now, self.palette), LANE_COLUMNS)
        drvs = self.query_one("#drvs", DataTable)
        for result in board.progress.results():
            _show(drvs, result.drv, ended_cells(result, self.palette), DRV_COLUMNS)
        for view in board.progress.hosts():
            for run in view.running:
                _show(drvs, run.drv, running_cells(view.name, run, now, self.palette), DRV_COLUMNS)
        self._show_log()

    @on(DataTable.RowHighlighted, "#drvs")
    def _drv_highlighted(self, event: DataTable.RowHighlighted) -> None:
        drv = event.row_key.value
        if drv != self.selected:
            self.selected = drv
            self._shown = 0
            log = self.board.logs.get(drv) if drv else None
            placed = f"  ·  {log.why}" if log is not None and log.why else ""
            self.query_one("#log-title", Static).update(f"log: {drv_name(drv)}{placed}" if drv else "log")
            self.query_one("#drv-log", Log).clear()
            self._show_log()

    def _show_log(self) -> None:
        log = self.board.logs.get(self.selected) if self.selected else None
        if log is None:
            return
        total = log.dropped + len(log.lines)
        if total > self._shown:
            fresh = list(itertools.islice(log.lines, max(0, len(log.lines) - (total - self._shown)), None))
            self.query_one("#drv-log", Log).write_lines(fresh)
            self._shown = total

    # ---- actions ---------------------------------------------------------------------------------------------
    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Cancel only while the build runs."""
        return self.running if action == "cancel" else True

    def action_cancel(self) -> None:
        """c: stop the build, after a confirmation."""
        if self.running:
            question = "Stop the build? Nix is interrupted, then the builders' connections are closed."
            self.app.push_screen(ConfirmScreen(question, yes="Stop it", no="Keep building"), self._cancel)

    def _cancel(self, confirmed: bool | None) -> None:
        if confirmed and self.worker is not None and self.running:
            self.state = "stopping…"
            self.worker.cancel()
            self.redraw()

    async def stop(self) -> None:
        """Cancel the build and wait until nix is stopped and the build's folder is gone."""
        if self.worker is not None and self.running:
            self.state = "stopping…"
            self.worker.cancel()
            with contextlib.suppress(WorkerCancelled, WorkerFailed):
                await self.worker.wait()

    def action_close(self) -> None:
        """escape: back to the hosts, once the build is over."""
        if self.running:
            self.notify("The build is still running: c cancels it.", title="Building", markup=False)
        else:
            self.app.pop_screen()
