"""The stylesheet and themes the app ships in themes/, read into Textual's Theme objects."""

from __future__ import annotations

import difflib
import tomllib
from collections.abc import Iterable
from dataclasses import fields
from pathlib import Path

from textual.theme import Theme

from nixswarm.errors import ConfigError, NixswarmError

THEMES_DIR = Path(__file__).parent / "themes"
"""A link to the repository's themes/ (a copy of it in a wheel)."""
STYLESHEET = THEMES_DIR / "nixswarm.tcss"
"""Every rule of the app's look; colours come from the theme's variables."""
DARK = "nixswarm-dark"
LIGHT = "nixswarm-light"
_FIELDS = frozenset(f.name for f in fields(Theme))


def load_themes(folder: Path = THEMES_DIR) -> list[Theme]:
    """Every `*.toml` theme in folder; ConfigError naming the file and the key for a bad one."""
    themes = []
    for path in sorted(folder.glob("*.toml")):
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as err:
            raise ConfigError(f"{path}: not a readable theme ({err})") from None
        unknown = sorted(set(data) - _FIELDS)
        if unknown:
            raise ConfigError(f"{path}: unknown key {unknown[0]!r}; known keys: {', '.join(sorted(_FIELDS))}")
        try:
            themes.append(Theme(**data))
        except TypeError as err:
            raise ConfigError(f"{path}: {err}") from None
    return themes


def check_theme(name: str, available: Iterable[str]) -> str:
    """name if it is a known theme, else a usage error that suggests the closest one."""
    names = sorted(available)
    if name in names:
        return name
    close = difflib.get_close_matches(name, names, n=1)
    hint = f"; did you mean {close[0]!r}?" if close else ""
    raise NixswarmError(f"no theme named {name!r}{hint} (themes: {', '.join(names)})", title="Unknown theme")
