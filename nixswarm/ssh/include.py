"""Add the one Include line that loads nixswarm's ssh config to the user's ~/.ssh/config."""

from __future__ import annotations

import shlex
import stat
from pathlib import Path

from nixswarm.errors import ConfigError
from nixswarm.model import validate
from nixswarm.store.atomic import atomic_write


def include_line(ours: Path) -> str:
    """`Include /abs/path`, the line nixswarm adds."""
    return f"Include {validate.abs_path(str(ours), 'ssh config path')}"


def has_include(text: str, ours: Path) -> bool:
    """True when some Include line of the user's config already names our file."""
    for raw in text.splitlines():
        words = raw.strip().split(None, 1)
        if len(words) == 2 and words[0].lower() == "include":
            try:
                targets = shlex.split(words[1].replace("=", " ", 1) if words[1].startswith("=") else words[1])
            except ValueError:
                continue
            if str(ours) in targets:
                return True
    return False


def ensure_include(user_config: Path, ours: Path) -> bool:
    """Prepend the Include line once (an Include after a Host line would apply only to that Host).

    Returns True when the file was changed. Everything else in it is kept byte for byte.
    """
    if user_config.is_symlink():
        raise ConfigError(
            f"{user_config} is a symlink (managed elsewhere, e.g. by home-manager); nixswarm will not replace "
            f"it. Add this line at its top yourself: {include_line(ours)}"
        )
    try:
        raw = user_config.read_bytes()
    except FileNotFoundError:
        raw = b""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise ConfigError(
            f"{user_config}: not UTF-8 text; add this line at its top yourself: {include_line(ours)}"
        ) from None
    if has_include(text, ours):
        return False
    mode = stat.S_IMODE(user_config.stat().st_mode) if user_config.exists() else 0o600
    header = f"# added by nixswarm: loads its builder aliases (nixswarm-*)\n{include_line(ours)}\n\n"
    user_config.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    atomic_write(user_config, header.encode() + raw, mode=mode)
    return True
