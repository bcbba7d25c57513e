"""Load what a command needs: settings with command-line overrides, and state."""

from __future__ import annotations

import argparse
from pathlib import Path

from nixswarm.store import paths
from nixswarm.store.settings import Overrides, Settings
from nixswarm.store.settings_file import load_settings
from nixswarm.store.state import State, load_state


def config_path(args: argparse.Namespace) -> Path:
    """--config, or the XDG default."""
    value = getattr(args, "config", None)
    return Path(value).absolute() if value else paths.config_file()


def overrides(args: argparse.Namespace) -> Overrides:
    """--user, --identity (made absolute) and --timeout, where the command has them."""
    identity = getattr(args, "identity", None)
    return Overrides(
        user=getattr(args, "user", None),
        identity=str(Path(identity).absolute()) if identity is not None else None,
        timeout=getattr(args, "timeout", None),
    )


def settings_for(args: argparse.Namespace) -> Settings:
    """Settings from the config file, with --user, --identity and --timeout applied."""
    settings = load_settings(config_path(args))
    return Settings(settings.defaults.with_overrides(overrides(args)), settings.hosts)


def state() -> State:
    """The saved state."""
    return load_state(paths.state_file())
