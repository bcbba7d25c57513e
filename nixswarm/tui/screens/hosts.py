"""The main screen: the live host table, and every action on it (keys and command palette alike)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import replace
from functools import partial
from typing import TYPE_CHECKING, ClassVar

from textual import on, work
from textual.binding import Binding, BindingType
from textual.command import Provider
from textual.widgets import Input

from nixswarm.errors import NixswarmError
from nixswarm.model.choice import Choice
from nixswarm.model.nixversion import NIX_2_8, NixVersion
from nixswarm.model.trust import KeyCheck
from nixswarm.model.validate import LOCAL
from nixswarm.tui.actions import bindings
from nixswarm.tui.board import HostRow
from nixswarm.tui.commands import HostCommands
from nixswarm.tui.context import AppContext
from nixswarm.tui.failures import show_failure
from nixswarm.tui.screens.live_hosts import LiveHosts
from nixswarm.tui.widgets.host_grid import HostGrid

if TYPE_CHECKING:
    from nixswarm.build.prepare import BuildRequest
    from nixswarm.history.queries import RecentRun
    from nixswarm.tui.jobs.write_job import WritePlan
    from nixswarm.tui.screens.installable import InstallableScreen

WEIGHT_STEP = 0.1
WEIGHT_START = 0.5
"""Where + and - start from while Nix decides on its own."""


class HostsScreen(LiveHosts):
    """The live table with its keys: use, details, trust, weight, edit, filter, rescan, write, build, help, quit."""

    BINDINGS: ClassVar[list[BindingType]] = [*bindings(), Binding("escape", "clear_filter", show=False)]
    COMMANDS: ClassVar[set[type[Provider] | Callable[[], type[Provider]]]] = {HostCommands}

    def __init__(self, ctx: AppContext) -> None:
        super().__init__(ctx)
        self.last_build = ""
        self.recent: dict[str, tuple[RecentRun, ...]] = {}
        """Each host key's latest builds, for the details (read from the history in a thread)."""

    def on_screen_resume(self) -> None:
        self.read_recent()  # at the start, and back from a build that added to the history

    @work(exclusive=True, exit_on_error=False, group="history")
    async def read_recent(self) -> None:
        """Read the hosts' latest builds off the event loop."""
        self.recent = await asyncio.to_thread(self.ctx.services.recent_builds)

    # ---- helpers ------------------------------------------------------------------------------------------
    def _current_row(self) -> HostRow | None:
        """The highlighted host; None (with a hint) on the local machine or an empty table."""
        key = self.table.current
        if key == LOCAL:
            self.notify("That is this machine: + and - set how much builds here.", title="Local machine", markup=False)
            return None
        return self.board.row(key) if key is not None else None

    def _saved(self, change: partial[None]) -> bool:
        """Run a config change; a file that cannot be written is shown, not raised."""
        try:
            change()
        except NixswarmError as err:
            show_failure(self.app, err)
            return False
        return True

    def _nix(self) -> NixVersion:
        local = self.board.local
        nix = local.local.nix if local is not None else None
        return nix.version if nix is not None else NIX_2_8

    def _choose(self, row: HostRow, choice: Choice) -> None:
        if self._saved(partial(self.ctx.config.set_choice, row.known.host, choice)):
            new = self.board.chose(row.name, choice)
            if new is not None:
                self.show_row(new)
            self.show_topbar()

    # ---- actions --------------------------------------------------------------------------------------------
    def action_toggle_host(self) -> None:
        """space: use the host, or stop using it."""
        row = self._current_row()
        if row is not None:
            self._choose(row, replace(row.known.choice, enabled=not row.known.choice.enabled))

    def on_host_grid_selected(self, event: HostGrid.Selected) -> None:
        event.stop()
        self.action_details()

    def action_details(self) -> None:
        """enter: every fact of the highlighted row."""
        from nixswarm.history.runs import LOCAL_KEY
        from nixswarm.tui.facts import host_facts, local_facts, recent_facts
        from nixswarm.tui.machines_line import machines_line
        from nixswarm.tui.screens.details import DetailsScreen

        key = self.table.current
        if key == LOCAL and self.board.local is not None:
            local = self.board.local
            self.app.push_screen(
                DetailsScreen(
                    f"{local.local.hostname} (this machine)",
                    local_facts(local) + recent_facts(self.recent.get(LOCAL_KEY, ())),
                    local.loads,
                    None,
                )
            )
            return
        row = self.board.row(key) if key is not None else None
        if row is None:
            return
        config = self.ctx.config
        approved = config.state.approved_key(row.name)
        line = machines_line(
            row.entry,
            approved,
            config.settings.defaults,
            self._nix(),
            configured=row.known.configured,
        )
        recent = recent_facts(self.recent.get(approved.fingerprint, ()) if approved else ())
        self.app.push_screen(DetailsScreen(row.name, host_facts(row) + recent, row.loads, line))

    def action_trust(self) -> None:
        """t: fetch the key the host presents now, then ask."""
        row = self._current_row()
        if row is not None:
            self.check_key(row)

    @work(exclusive=True, exit_on_error=False, group="trust")
    async def check_key(self, row: HostRow) -> None:
        from nixswarm.tui.screens.trust import TrustScreen

        host = row.known.host
        timeout = self.ctx.config.settings.defaults.timeout
        key = await self.ctx.services.fetch_key(host.address, host.port, timeout)
        approved = self.ctx.config.state.approved_key(row.name)
        check = KeyCheck(row.name, f"{host.address}:{host.port}", key, approved, row.advertised)
        self.app.push_screen(TrustScreen(check), partial(self._trusted, row, check))

    def _trusted(self, row: HostRow, check: KeyCheck, approved: bool | None) -> None:
        if not approved:
            return
        entry = (
            replace(row.entry, choice=replace(row.known.choice, enabled=True))
            if not row.known.configured
            else row.entry
        )
        if not self._saved(partial(self.ctx.config.approve, entry, check.presented)):
            return
        if not row.known.configured:
            self.board.chose(row.name, entry.choice)
        for name in [*self.board.retrust(self.ctx.config.state), row.name]:
            if (changed := self.board.row(name)) is not None:
                self.show_row(changed)
        self.show_topbar()
        self.notify(f"approved {check.presented.fingerprint} for {row.name}", title="Trusted", markup=False)
        self.probe_again(row.name)

    def _set_weight(self, weight: float | None) -> None:
        if self._saved(partial(self.ctx.config.set_local_weight, weight)):
            self.show_local()
            self.show_topbar()

    def _step_weight(self, step: float) -> None:
        weight = self.ctx.config.saved.defaults.local_weight
        base = WEIGHT_START if weight is None else weight
        self._set_weight(round(min(1.0, max(0.0, base + step)), 2))

    def action_weight_up(self) -> None:
        """+: keep more jobs local."""
        self._step_weight(WEIGHT_STEP)

    def action_weight_down(self) -> None:
        """-: send more jobs away."""
        self._step_weight(-WEIGHT_STEP)

    def action_weight_auto(self) -> None:
        """Let Nix decide."""
        self._set_weight(None)

    def action_edit(self) -> None:
        """e: max jobs and speed factor."""
        from nixswarm.tui.screens.edit import EditScreen

        row = self._current_row()
        if row is not None:
            self.app.push_screen(EditScreen(row.name, row.known.choice), partial(self._edited, row.name))

    def _edited(self, name: str, choice: Choice | None) -> None:
        row = self.board.row(name)
        if choice is not None and row is not None:
            self._choose(row, choice)

    def action_filter(self) -> None:
        """/: type to narrow the table."""
        field = self.query_one("#filter", Input)
        field.add_class("shown")
        field.focus()

    @on(Input.Changed, "#filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        self.needle = event.value.strip()
        self.redraw()

    @on(Input.Submitted, "#filter")
    def _filter_done(self) -> None:
        self.table.focus()

    def action_clear_filter(self) -> None:
        """escape: show every host again."""
        field = self.query_one("#filter", Input)
        field.value = ""
        field.remove_class("shown")
        self.needle = ""
        self.redraw()
        self.table.focus()

    def action_rescan(self) -> None:
        """r: discover and probe again."""
        self.board.rescanning()
        self.scan_state = "scanning…"
        self.redraw()
        self.scan()

    def action_write(self) -> None:
        """w: show what would be written."""
        self.plan_files()

    @work(exclusive=True, exit_on_error=False, group="write")
    async def plan_files(self) -> None:
        """Read and diff the files in a thread; show them while this screen is still the one on top."""
        from nixswarm.tui.jobs.write_job import plan_write
        from nixswarm.tui.screens.write import WriteScreen

        config = self.ctx.config
        while True:
            settings, state = config.settings, config.state
            plan = await asyncio.to_thread(plan_write, settings, state, self._nix(), self.ctx.cache)
            if config.settings is settings and config.state is state:
                break  # else a host changed while the files were read: plan again
        if self.is_current:
            self.app.push_screen(WriteScreen(plan, self._pal()), partial(self._confirmed_write, plan))

    def _confirmed_write(self, plan: WritePlan, confirmed: bool | None) -> None:
        if confirmed:
            self.write_files(plan)

    @work(exclusive=True, exit_on_error=False, group="write")
    async def write_files(self, plan: WritePlan) -> None:
        from nixswarm.tui.jobs.write_job import apply_write

        done = await asyncio.to_thread(apply_write, plan)  # the writes and their fsyncs, off the event loop
        self.notify("\n".join(done), title="Written", markup=False)

    def action_build(self) -> None:
        """b: ask what to build, then build it."""
        from nixswarm.tui.screens.installable import InstallableScreen

        weight = self.ctx.config.settings.defaults.local_weight
        timeout = self.ctx.config.overrides.timeout  # `nixswarm --timeout SEC`: far hosts get longer
        prompt = InstallableScreen(self.last_build, None if weight is None else f"{weight:g}", timeout)
        self.app.push_screen(prompt, partial(self._build, prompt))

    def _build(self, prompt: InstallableScreen, request: BuildRequest | None) -> None:
        if request is None:
            return
        from nixswarm.tui.screens.build import BuildScreen

        self.last_build = prompt.typed
        request = replace(request, recent_probes=self.board.recent_probes())  # a dead host costs no check
        self.app.push_screen(BuildScreen(self.ctx, request))

    def action_help(self) -> None:
        """?: the keys."""
        from nixswarm.tui.screens.help import HelpScreen

        self.app.push_screen(HelpScreen())

    def action_theme(self, name: str) -> None:
        """Switch theme (saved by the app)."""
        self.app.theme = name

    async def action_quit(self) -> None:
        """q: leave."""
        self.app.exit()
