"""Hostile text never becomes a domain object: each field refuses it, naming the field and the value."""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path

import pytest
import tomli_w

from nixswarm.errors import ConfigError, ValidationError
from nixswarm.model.choice import Choice
from nixswarm.model.host import Host
from nixswarm.nix.entry import MachineEntry
from nixswarm.store.settings import Defaults, HostEntry
from nixswarm.store.settings_file import load_settings
from tests.unit.hostile import HOSTILE, assert_names_value_safely

# The 300-character value is made of letters, so after "/home/" it is a legal (if long) path.
_NOT_A_PATH = {case: value for case, value in HOSTILE.items() if case != "300-chars"}
# A URI parameter value may hold '%', '=', '-' and be long; these values are hostile only where whitespace etc. is.
_NOT_A_PARAM = {
    case: value for case, value in HOSTILE.items() if case not in {"300-chars", "option-flag", "percent-token"}
}

Build = Callable[[str], object]

HOST_FIELDS: dict[str, tuple[str, Build]] = {
    "name": ("host name", lambda v: Host(v, ("10.0.0.2",))),
    "user": ("user", lambda v: Host("b1", ("10.0.0.2",), user=v)),
    "addresses": ("address", lambda v: Host("b1", (v,))),
    "second-address": ("address", lambda v: Host("b1", ("10.0.0.2", v))),
    "systems": ("systems", lambda v: Host("b1", ("10.0.0.2",), systems=("x86_64-linux", v))),
    "features": ("features", lambda v: Host("b1", ("10.0.0.2",), features=(v,))),
    "mandatory_features": ("mandatory features", lambda v: Host("b1", ("10.0.0.2",), mandatory_features=(v,))),
}
ENTRY_FIELDS: dict[str, tuple[str, Build]] = {
    "host": ("store URI host", MachineEntry),
    "user": ("store URI user", lambda v: MachineEntry("b1", user=v)),
    "scheme": ("store URI scheme", lambda v: MachineEntry("b1", scheme=v)),  # type: ignore[arg-type]
    "systems": ("systems", lambda v: MachineEntry("b1", systems=(v,))),
    "supported_features": ("features", lambda v: MachineEntry("b1", supported_features=(v,))),
    "mandatory_features": ("mandatory features", lambda v: MachineEntry("b1", mandatory_features=(v,))),
    "param-name": ("store URI parameter", lambda v: MachineEntry("b1", params=((v, "x"),))),
}
CHOICE_FIELDS: dict[str, tuple[str, Build]] = {
    "enabled": ("enabled", lambda v: Choice(enabled=v)),  # type: ignore[arg-type]
    "max_jobs": ("max jobs", lambda v: Choice(max_jobs=v)),  # type: ignore[arg-type]
    "speed_factor": ("speed factor", lambda v: Choice(speed_factor=v)),  # type: ignore[arg-type]
}
DEFAULTS_FIELDS: dict[str, tuple[str, Build]] = {
    "user": ("defaults.user", lambda v: Defaults(user=v)),
    "scheme": ("defaults.scheme", lambda v: Defaults(scheme=v)),  # type: ignore[arg-type]
    "theme": ("defaults.theme", lambda v: Defaults(theme=v)),
}


def _cases(kind: str, fields: dict[str, tuple[str, Build]], values: dict[str, str]) -> list[object]:
    return [
        pytest.param(field, build, value, id=f"{kind}.{name}-{case}")
        for name, (field, build) in fields.items()
        for case, value in values.items()
    ]


@pytest.mark.parametrize(
    ("field", "build", "value"),
    [
        *_cases("Host", HOST_FIELDS, HOSTILE),
        *_cases("MachineEntry", ENTRY_FIELDS, HOSTILE),
        *_cases("Choice", CHOICE_FIELDS, HOSTILE),
        *_cases("Defaults", DEFAULTS_FIELDS, HOSTILE),
    ],
)
def test_a_hostile_value_is_refused_naming_the_field_and_the_value(field: str, build: Build, value: str) -> None:
    with pytest.raises(ValidationError) as caught:
        build(value)
    assert caught.value.field == field
    assert caught.value.value == value
    assert caught.value.message.startswith(f"invalid {field} ")
    assert_names_value_safely(caught.value.message, value)


PATH_FIELDS: dict[str, tuple[str, Build]] = {
    "Host.identity_file": ("identity file", lambda v: Host("b1", ("10.0.0.2",), identity_file=v)),
    "MachineEntry.ssh_key": ("ssh key", lambda v: MachineEntry("b1", ssh_key=v)),
    "Defaults.identity": ("defaults.identity", lambda v: Defaults(identity=v)),
}
PARAM_FIELDS: dict[str, tuple[str, Build]] = {
    "value": ("store URI parameter remote-program", lambda v: MachineEntry("b1", params=(("remote-program", v),))),
}


@pytest.mark.parametrize(
    ("field", "build", "value"),
    [
        *_cases("path", PATH_FIELDS, {c: "/home/" + v for c, v in _NOT_A_PATH.items()}),
        *_cases("MachineEntry.param", PARAM_FIELDS, _NOT_A_PARAM),
    ],
)
def test_a_path_or_uri_parameter_with_hostile_text_is_refused_naming_the_field(
    field: str, build: Build, value: str
) -> None:
    with pytest.raises(ValidationError) as caught:
        build(value)
    assert caught.value.field == field
    assert_names_value_safely(caught.value.message, value)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("max jobs", 0),
        ("max jobs", -1),
        ("max jobs", 1025),
        ("max jobs", True),
        ("max jobs", 1.5),
        ("speed factor", 0),
        ("speed factor", -1.0),
        ("speed factor", math.nan),
        ("speed factor", math.inf),
        ("speed factor", 10_000.5),
        ("speed factor", True),
        ("enabled", 1),
    ],
)
def test_a_choice_out_of_range_is_refused_naming_the_field(field: str, value: object) -> None:
    kwargs = {field.replace(" ", "_"): value}
    with pytest.raises(ValidationError) as caught:
        Choice(**kwargs)  # type: ignore[arg-type]
    assert caught.value.field == field
    assert repr(value) in caught.value.message


def test_a_settings_host_entry_is_only_made_of_a_validated_host() -> None:
    with pytest.raises(ValidationError, match="invalid user 'b1;evil'"):
        HostEntry(Host("b1", ("10.0.0.2",), user="b1;evil"), Choice())


def _host_table(key: str, value: str) -> dict[str, object]:
    table: dict[str, object] = {"addresses": ["10.0.0.2"]}
    if key in ("systems", "features", "mandatory_features", "addresses"):
        table[key] = [value]
    elif key == "identity":
        table[key] = "/home/" + value
    else:
        table[key] = value
    return table


# (TOML document, words the message must hold to name the key)
TomlCase = Callable[[str], tuple[dict[str, object], tuple[str, ...]]]
TOML_CASES: dict[str, TomlCase] = {
    "hosts.NAME": lambda v: ({"hosts": {v: {"addresses": ["10.0.0.2"]}}}, ("[hosts]",)),
    "hosts.b1.user": lambda v: ({"hosts": {"b1": _host_table("user", v)}}, ("[hosts.b1]", "user")),
    "hosts.b1.addresses": lambda v: ({"hosts": {"b1": _host_table("addresses", v)}}, ("[hosts.b1]", "address")),
    "hosts.b1.systems": lambda v: ({"hosts": {"b1": _host_table("systems", v)}}, ("[hosts.b1]", "systems")),
    "hosts.b1.features": lambda v: ({"hosts": {"b1": _host_table("features", v)}}, ("[hosts.b1]", "features")),
    "hosts.b1.mandatory_features": lambda v: (
        {"hosts": {"b1": _host_table("mandatory_features", v)}},
        ("[hosts.b1]", "mandatory features"),
    ),
    "defaults.user": lambda v: ({"defaults": {"user": v}}, ("defaults.user",)),
    "defaults.scheme": lambda v: ({"defaults": {"scheme": v}}, ("defaults.scheme",)),
}


@pytest.mark.parametrize("value", [pytest.param(v, id=c) for c, v in HOSTILE.items()])
@pytest.mark.parametrize("key", list(TOML_CASES))
def test_a_config_file_with_a_hostile_value_is_a_config_error_naming_file_and_key_and_is_left_alone(
    tmp_path: Path, key: str, value: str
) -> None:
    document, words = TOML_CASES[key](value)
    path = tmp_path / "config.toml"
    path.write_text(tomli_w.dumps(document), encoding="utf-8")
    before, mtime = path.read_bytes(), path.stat().st_mtime_ns
    with pytest.raises(ConfigError) as caught:
        load_settings(path)
    message = caught.value.message
    assert message.startswith(f"{path}:")
    for word in words:
        assert word in message
    assert_names_value_safely(message, value)
    assert path.read_bytes() == before
    assert path.stat().st_mtime_ns == mtime


@pytest.mark.parametrize("value", [pytest.param("/home/" + v, id=c) for c, v in _NOT_A_PATH.items()])
def test_a_config_file_with_a_hostile_identity_is_a_config_error_naming_file_and_key(
    tmp_path: Path, value: str
) -> None:
    path = tmp_path / "config.toml"
    path.write_text(tomli_w.dumps({"hosts": {"b1": {"addresses": ["10.0.0.2"], "identity": value}}}))
    before = path.read_bytes()
    with pytest.raises(ConfigError) as caught:
        load_settings(path)
    assert caught.value.message.startswith(f"{path}: [hosts.b1]: invalid identity file ")
    assert_names_value_safely(caught.value.message, value)
    assert path.read_bytes() == before
