"""Read the JSON of `nix show-config --json` / `nix config show --json` into NixFacts."""

from __future__ import annotations

import json
from typing import Any

from nixswarm.errors import ValidationError
from nixswarm.model.facts import NixFacts
from nixswarm.model.nixversion import NixVersion

MAX_CONFIG_BYTES = 4 << 20


def setting_value(config: dict[str, Any], key: str, default: object) -> object:
    """A setting's value in Nix's config dump (`{"value": ...}` objects, or the bare value)."""
    entry = config.get(key, default)
    if isinstance(entry, dict):
        return entry.get("value", default)
    return entry


def _whole(key: str, value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValidationError(key, value, "must be a whole number")
    return value


def _words(key: str, value: object) -> tuple[object, ...]:
    if isinstance(value, str):
        return tuple(value.split())
    if isinstance(value, list):
        return tuple(value)
    raise ValidationError(key, value, "must be a list")


def load_config_json(text: str | bytes) -> dict[str, Any]:
    """The JSON object of Nix's config dump, bounded; ValidationError saying what it is not."""
    if len(text) > MAX_CONFIG_BYTES:
        raise ValidationError("nix config", f"{len(text)} bytes", "larger than 4 MiB")
    try:
        config = json.loads(text)
    except (ValueError, UnicodeDecodeError) as err:
        raise ValidationError("nix config", str(text[:60]), f"not JSON ({err})") from None
    if not isinstance(config, dict):
        raise ValidationError("nix config", type(config).__name__, "expected a JSON object")
    return config


def parse_nix_config(text: str | bytes, version: NixVersion) -> NixFacts:
    """NixFacts from Nix's JSON config dump; ValidationError naming the bad key otherwise."""
    config = load_config_json(text)
    system = setting_value(config, "system", None)
    if not isinstance(system, str):
        raise ValidationError("nix config 'system'", system, "missing or not text")
    extra = _words("extra-platforms", setting_value(config, "extra-platforms", []))
    return NixFacts(
        version=version,
        systems=(system, *extra),  # type: ignore[arg-type]  # validated by NixFacts
        features=_words("system-features", setting_value(config, "system-features", [])),  # type: ignore[arg-type]
        max_jobs=_whole("max-jobs", setting_value(config, "max-jobs", 1)),
        cores=_whole("cores", setting_value(config, "cores", 0)),
    )
