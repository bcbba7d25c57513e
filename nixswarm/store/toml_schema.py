"""Checks on TOML tables read from disk: known keys only, each of the expected type."""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from typing import Any

from nixswarm.errors import ConfigError


class TableReader:
    """Read keys of one TOML table, naming file and key in every error."""

    def __init__(self, path: str, prefix: str, table: object, allowed: Iterable[str]) -> None:
        self.path = path
        self.prefix = prefix
        if not isinstance(table, dict):
            raise ConfigError(f"{path}: [{prefix}] must be a table, not {type(table).__name__}")
        self.table: dict[str, Any] = table
        allowed = tuple(allowed)
        for key in table:
            if key not in allowed:
                close = difflib.get_close_matches(key, allowed, n=1)
                hint = f"; did you mean {close[0]!r}?" if close else f"; known keys: {', '.join(allowed)}"
                raise ConfigError(f"{path}: unknown key {self.name(key)!r}{hint}")

    def name(self, key: str) -> str:
        """The dotted name of key, for messages."""
        return f"{self.prefix}.{key}" if self.prefix else key

    def get(self, key: str, kind: type | tuple[type, ...], default: Any = None) -> Any:
        """The value of key if it has the right type (bool is never taken for a number)."""
        if key not in self.table:
            return default
        value = self.table[key]
        kinds = kind if isinstance(kind, tuple) else (kind,)
        if (isinstance(value, bool) and bool not in kinds) or not isinstance(value, kinds):
            wanted = " or ".join(k.__name__ for k in kinds)
            raise ConfigError(f"{self.path}: {self.name(key)} must be {wanted}, not {type(value).__name__}")
        return value

    def strings(self, key: str) -> tuple[str, ...]:
        """A list of strings."""
        value = self.get(key, list, [])
        if not all(isinstance(v, str) for v in value):
            raise ConfigError(f"{self.path}: {self.name(key)} must be a list of strings")
        return tuple(value)
