"""The actions of the host screen, once: its key bindings, the command palette and the help screen read them."""

from __future__ import annotations

from dataclasses import dataclass

from textual.binding import Binding


@dataclass(frozen=True)
class Action:
    """One thing the user can do on the host screen."""

    name: str
    """The screen's action (`action_NAME`)."""
    key: str | None
    """Textual key name(s); None: only in the command palette."""
    shown: str
    """The key as the user types it."""
    title: str
    """Short, for the footer and the palette."""
    help: str
    """One line, for the palette and the help screen."""
    footer: bool = True
    """Shown in the footer."""


ACTIONS = (
    Action("toggle_host", "space", "space", "Use", "Use the highlighted host for builds, or stop using it (saved)"),
    Action("details", "enter", "enter", "Details", "Every probe fact, the error, and the exact machines line"),
    Action("trust", "t", "t", "Trust", "Check the host's SSH key fingerprint and approve it"),
    Action("weight_up", "plus,equals_sign", "+", "Local+", "Keep more jobs on this machine (saved)"),
    Action("weight_down", "minus", "-", "Local-", "Send more jobs to the builders (saved)"),
    Action("weight_auto", None, "", "Local weight: Nix's own", "Let Nix decide how much builds locally (saved)"),
    Action("edit", "e", "e", "Edit", "Set the host's max jobs and speed factor"),
    Action("filter", "slash", "/", "Filter", "Show only hosts whose name, address, systems or status match"),
    Action("rescan", "r", "r", "Rescan", "Discover and probe every host again"),
    Action("write", "w", "w", "Write", "Write the machines file and ssh config (shows a diff first)"),
    Action("build", "b", "b", "Build", "Build an installable across the chosen hosts"),
    Action("help", "question_mark", "?", "Help", "Show every key"),
    Action("theme('nixswarm-dark')", None, "", "Theme: dark", "Switch to nixswarm's dark theme (saved)"),
    Action("theme('nixswarm-light')", None, "", "Theme: light", "Switch to nixswarm's light theme (saved)"),
    Action("quit", "q", "q", "Quit", "Leave nixswarm"),
)


def bindings() -> list[Binding]:
    """The key bindings of the host screen."""
    return [Binding(a.key, a.name, a.title, show=a.footer, key_display=a.shown) for a in ACTIONS if a.key is not None]
