"""A run of lines one build printed, as one change for the views (-L): not an object for every line."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeAlias

from nixswarm.build.results import Change

__all__ = ["BuildLogs", "Shown"]


@dataclass(frozen=True)
class BuildLogs:
    """Lines a build printed one after another, shown when the user asked for build logs: each as a BuildLog with
    these host and drv (not post-build) would be."""

    host: str
    """The host name it builds on."""
    drv: str
    """The .drv store path."""
    texts: tuple[str, ...]
    """The lines, in order, escapes stripped."""


Shown: TypeAlias = Change | BuildLogs
"""What Watch hands the views."""
