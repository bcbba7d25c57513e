"""The nixswarm app, and the one factory that makes it for the command line and for the tests."""

from __future__ import annotations

from pathlib import Path

from textual.app import App
from textual.theme import Theme

from nixswarm.errors import NixswarmError
from nixswarm.model.facts_cache import FactsCache
from nixswarm.probe.pool import ConnectionPool
from nixswarm.scan.session import ScanOptions
from nixswarm.store import paths
from nixswarm.store.config import Config
from nixswarm.store.facts_file import load_facts
from nixswarm.store.settings import Overrides
from nixswarm.tui.context import AppContext
from nixswarm.tui.failures import show_failure
from nixswarm.tui.screens.hosts import HostsScreen
from nixswarm.tui.services import Services
from nixswarm.tui.themes_files import DARK, STYLESHEET, check_theme, load_themes


class NixswarmApp(App[None]):
    """Hosts, trust, choices, files and builds: a face on the core, which does the work."""

    TITLE = "nixswarm"
    CSS_PATH = STYLESHEET

    def __init__(self, ctx: AppContext, theme: str | None) -> None:
        """theme: from --theme, for this run; None: the saved one."""
        super().__init__()
        self.ctx = ctx
        for loaded in load_themes():
            self.register_theme(loaded)
        saved = ctx.config.saved.defaults.theme
        self.start_theme = check_theme(theme, self.available_themes) if theme is not None else saved
        self._shown_theme = self.start_theme if self.start_theme in self.available_themes else DARK
        self.theme = self._shown_theme  # before the first frame: the stylesheet is applied once

    def get_default_screen(self) -> HostsScreen:
        """The host table is the first screen (no blank screen drawn before it)."""
        return HostsScreen(self.ctx)

    def on_mount(self) -> None:
        self.theme_changed_signal.subscribe(self, self._theme_changed)
        if self.start_theme != self.theme:  # a saved theme that no longer exists
            self.notify(f"no theme named {self.start_theme!r}; using {self.theme}", title="Unknown theme", markup=False)

    def _theme_changed(self, theme: Theme) -> None:
        """A theme the user picked (palette or key) is saved, so the next start looks the same."""
        if theme.name == self._shown_theme:
            return
        self._shown_theme = theme.name
        try:
            self.ctx.config.set_theme(theme.name)
        except (NixswarmError, OSError) as err:
            show_failure(self, err)

    async def action_quit(self) -> None:
        """Quit; a running build is stopped first, after a confirmation (nix must not outlive the app)."""
        from nixswarm.tui.screens.build import BuildScreen
        from nixswarm.tui.screens.confirm import ConfirmScreen

        builds = [s for s in self.screen_stack if isinstance(s, BuildScreen) and s.running]
        if not builds:
            self.exit()
            return
        question = "A build is running. Stop it and quit?"
        self.push_screen(ConfirmScreen(question, yes="Stop and quit", no="Keep building"), self._quit_confirmed)

    def _quit_confirmed(self, confirmed: bool | None) -> None:
        if confirmed:
            self.run_worker(self._stop_builds_and_exit(), group="quit", exclusive=True, exit_on_error=False)

    async def _stop_builds_and_exit(self) -> None:
        from nixswarm.tui.screens.build import BuildScreen

        for screen in self.screen_stack:
            if isinstance(screen, BuildScreen):
                await screen.stop()
        self.exit()

    async def on_unmount(self) -> None:
        await self.ctx.pool.close()


def make_app(
    *,
    config_path: Path | None = None,
    overrides: Overrides | None = None,
    options: ScanOptions | None = None,
    theme: str | None = None,
    services: Services | None = None,
    refresh_interval: float | None = 2.0,
    cache: FactsCache | None = None,
) -> NixswarmApp:
    """The app; ConfigError or NixswarmError (an unknown --theme) before anything runs."""
    config = Config(config_path or paths.config_file(), overrides)
    ctx = AppContext(
        config=config,
        services=services or Services(),
        options=options or ScanOptions(),
        cache=cache if cache is not None else load_facts(paths.facts_file()),
        pool=ConnectionPool(),
        refresh_interval=refresh_interval,
    )
    return NixswarmApp(ctx, theme)
