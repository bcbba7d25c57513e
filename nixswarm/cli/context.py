"""Load what a command needs: settings with command-line overrides, and state."""

from __future__ import annotations

import argparse
from dataclasses import replace
from pathlib import Path

from nixswarm.errors import ConfigError, ValidationError
from nixswarm.store import paths
from nixswarm.store.settings import Settings
from nixswarm.store.settings_file import load_settings
from nixswarm.store.state import State, load_state


def config_path(args: argparse.Namespace) -> Path:
    """--config, or the XDG default."""
    value = getattr(args, "config", None)
    return Path(value).absolute() if value else paths.config_file()


def settings_for(args: argparse.Namespace) -> Settings:
    """Settings from the config file, with --user, --identity and --timeout applied."""
    settings = load_settings(config_path(args))
    overrides: dict[str, object] = {}
    for option, key in (("user", "user"), ("identity", "identity"), ("timeout", "timeout")):
        value = getattr(args, option, None)
        if value is not None:
            overrides[key] = str(Path(value).absolute()) if option == "identity" else value
    if not overrides:
        return settings
    try:
        return Settings(replace(settings.defaults, **overrides), settings.hosts)  # type: ignore[arg-type]
    except ValidationError as err:
        raise ConfigError(f"command line: {err.message}") from None


def state() -> State:
    """The saved state."""
    return load_state(paths.state_file())
