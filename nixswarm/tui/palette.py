"""The few colours table cells need, taken from the current theme so that both themes read well."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from textual.color import Color


@dataclass(frozen=True)
class Palette:
    """Rich colour strings for cell text."""

    ok: str
    """Good news: approved, reachable."""
    warn: str
    """Needs the user: not approved yet, odd adverts."""
    error: str
    """Refused: a changed key, an unreachable host."""
    muted: str
    """Not known yet, disabled."""
    accent: str
    """The local machine."""

    @classmethod
    def from_variables(cls, variables: Mapping[str, str]) -> Palette:
        """From App.get_css_variables(); translucent colours are blended onto the background."""
        background = Color.parse(variables["background"])

        def solid(name: str) -> str:
            return (background + Color.parse(variables[name])).hex

        return cls(
            ok=solid("text-success"),
            warn=solid("text-warning"),
            error=solid("text-error"),
            muted=solid("foreground-muted"),
            accent=solid("text-primary"),
        )
