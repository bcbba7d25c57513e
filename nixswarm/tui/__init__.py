"""nixswarm's TUI: a Textual face on the async core (the core never imports this package).

Importing the package itself loads no Textual (tools that walk nixswarm's packages stay UI-free); its names
load on first use.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from nixswarm.build.pipeline import BuildListener
    from nixswarm.tui.app import NixswarmApp, make_app
    from nixswarm.tui.services import Services

__all__ = ["BuildListener", "NixswarmApp", "Services", "make_app"]
_HOMES = {
    "NixswarmApp": "nixswarm.tui.app",
    "make_app": "nixswarm.tui.app",
    "BuildListener": "nixswarm.build.pipeline",
    "Services": "nixswarm.tui.services",
}


def __getattr__(name: str) -> Any:
    if name not in _HOMES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(import_module(_HOMES[name]), name)
