"""Read and write config.toml: strict on read, atomic on write, never overwriting a bad file."""

from __future__ import annotations

import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import tomli_w

from nixswarm.errors import ConfigError, ValidationError
from nixswarm.model import validate
from nixswarm.model.choice import Choice
from nixswarm.model.host import Host, Source
from nixswarm.store.atomic import atomic_write
from nixswarm.store.settings import Defaults, HostEntry, Settings
from nixswarm.store.toml_schema import TableReader

_DEFAULT_KEYS = ("user", "identity", "timeout", "scheme", "local_weight", "theme", "control_persist", "history_rows")
_HOST_KEYS = (
    "addresses",
    "port",
    "user",
    "identity",
    "enabled",
    "max_jobs",
    "speed_factor",
    "systems",
    "features",
    "mandatory_features",
    "scheme",
    "remote_program",
    "owner_max_jobs",
    "owner_max_load",
)


def read_toml(path: Path) -> dict[str, Any] | None:
    """The parsed file, None if it does not exist, or ConfigError naming file, line and fault."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as err:
        raise ConfigError(f"{path}: cannot read it ({err.strerror})") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as err:
        line = raw[: err.start].count(b"\n") + 1
        raise ConfigError(f"{path}:{line}: not UTF-8 text (byte {raw[err.start]:#04x})") from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise ConfigError(f"{path}: not valid TOML: {err}") from None


def load_settings(path: Path) -> Settings:
    """Settings from path; defaults when it does not exist."""
    data = read_toml(path)
    if data is None:
        return Settings()
    where = str(path)
    top = TableReader(where, "", data, ("defaults", "hosts"))
    try:
        defaults = _defaults(TableReader(where, "defaults", top.get("defaults", dict, {}), _DEFAULT_KEYS))
        hosts_table = TableReader(where, "hosts", top.get("hosts", dict, {}), top.get("hosts", dict, {}).keys())
        for name in hosts_table.table:  # before any message quotes the name raw
            validate.host_name(name, "[hosts] table name")
        hosts = tuple(
            _host(TableReader(where, f"hosts.{name}", table, _HOST_KEYS), name)
            for name, table in hosts_table.table.items()
        )
    except ValidationError as err:
        raise ConfigError(f"{path}: {err.message}") from None
    return Settings(defaults, hosts)


def _defaults(t: TableReader) -> Defaults:
    return Defaults(
        user=t.get("user", str),
        identity=t.get("identity", str),
        timeout=t.get("timeout", (int, float), 3.0),
        scheme=t.get("scheme", str, "ssh-ng"),
        local_weight=t.get("local_weight", (int, float)),
        theme=t.get("theme", str, "nixswarm-dark"),
        control_persist=t.get("control_persist", int, 60),
        history_rows=t.get("history_rows", int, 100_000),
    )


def _host(t: TableReader, name: str) -> HostEntry:
    try:
        host = Host(
            name=name,
            addresses=t.strings("addresses"),
            port=t.get("port", int, 22),
            user=t.get("user", str),
            identity_file=t.get("identity", str),
            sources=(Source.CONFIG,),
            systems=t.strings("systems"),
            features=t.strings("features"),
            mandatory_features=t.strings("mandatory_features"),
            scheme=t.get("scheme", str),
            remote_program=t.get("remote_program", str),
            max_jobs=_optional(t, "owner_max_jobs", int, validate.max_jobs),
            max_load=_optional(t, "owner_max_load", (int, float), validate.max_load),
        )
        choice = Choice(
            enabled=t.get("enabled", bool, True),
            max_jobs=t.get("max_jobs", int, 1),
            speed_factor=t.get("speed_factor", (int, float), 1.0),
        )
    except ValidationError as err:
        raise ConfigError(f"{t.path}: [hosts.{name}]: {err.message}") from None
    return HostEntry(host, choice)


def _optional(t: TableReader, key: str, kind: type | tuple[type, ...], check: Callable[[Any, str], Any]) -> Any:
    """The value of key checked under the key's own name, or None when absent."""
    value = t.get(key, kind)
    return None if value is None else check(value, key)


def dump_settings(settings: Settings) -> str:
    """The TOML text of settings (defaults left out)."""
    d = settings.defaults
    defaults = {
        key: value
        for key, value in (
            ("user", d.user),
            ("identity", d.identity),
            ("timeout", d.timeout),
            ("scheme", d.scheme),
            ("local_weight", d.local_weight),
            ("theme", d.theme),
            ("control_persist", d.control_persist),
            ("history_rows", d.history_rows),
        )
        if value is not None
    }
    hosts: dict[str, Any] = {}
    for entry in settings.hosts:
        h, c = entry.host, entry.choice
        table: dict[str, Any] = {"addresses": list(h.addresses), "port": h.port}
        given = {"user": h.user, "identity": h.identity_file, "scheme": h.scheme, "remote_program": h.remote_program}
        table.update((key, value) for key, value in given.items() if value is not None)
        for key, values in (
            ("systems", h.systems),
            ("features", h.features),
            ("mandatory_features", h.mandatory_features),
        ):
            if values:
                table[key] = list(values)
        table.update(enabled=c.enabled, max_jobs=c.max_jobs, speed_factor=c.speed_factor)
        owner = {"owner_max_jobs": h.max_jobs, "owner_max_load": h.max_load}
        table.update((key, value) for key, value in owner.items() if value is not None)
        hosts[h.name] = table
    return "# nixswarm settings\n" + tomli_w.dumps({"defaults": defaults, "hosts": hosts})


def save_settings(path: Path, settings: Settings) -> None:
    """Write settings atomically (mode 0600); a file on disk that does not load is left alone (ConfigError)."""
    load_settings(path)
    atomic_write(path, dump_settings(settings), mode=0o600)
