"""The command palette's provider: the host screen's actions, found by name."""

from __future__ import annotations

from functools import partial

from textual.command import DiscoveryHit, Hit, Hits, Provider

from nixswarm.tui.actions import ACTIONS


class HostCommands(Provider):
    """Every action of the host screen, with its key."""

    def _commands(self) -> list[tuple[str, str, str]]:
        return [(a.title, f"{a.help} ({a.shown})" if a.shown else a.help, a.name) for a in ACTIONS]

    async def discover(self) -> Hits:
        """All of them, on an empty search."""
        for title, help_text, action in self._commands():
            yield DiscoveryHit(title, partial(self.screen.run_action, action), help=help_text)

    async def search(self, query: str) -> Hits:
        """Those whose title matches."""
        matcher = self.matcher(query)
        for title, help_text, action in self._commands():
            score = matcher.match(title)
            if score > 0:
                yield Hit(score, matcher.highlight(title), partial(self.screen.run_action, action), help=help_text)
