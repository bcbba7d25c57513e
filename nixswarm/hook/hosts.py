"""The builders the scheduler places work on, as the build gave them to the hook (its policy's `hosts`)."""

from __future__ import annotations

import math

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Sequence
    from typing import Final

NAME_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.")
MAX_LOAD = 1e6
"""Above any 1-minute load /proc/loadavg can show (build/reach.py and hook/loads.py read up to 999999.999)."""
MAX_CORES = 1 << 20


class HostError(ValueError):
    """A `hosts` entry of the policy that cannot be used."""


class HostInfo:
    """One builder: its machines line (what the real hook is narrowed to) and what the scheduler weighs.

    (Final fields, no dataclass: importing dataclasses costs ~20 ms per hook start.)
    """

    __slots__ = ("cores", "features", "line", "load", "mandatory", "max_load", "name", "slots", "speed", "systems")

    def __init__(
        self,
        name: str,
        line: str,
        *,
        systems: tuple[str, ...],
        features: tuple[str, ...] = (),
        mandatory: tuple[str, ...] = (),
        slots: int = 1,
        speed: float = 1.0,
        cores: int = 1,
        max_load: float | None = None,
        load: float | None = None,
    ) -> None:
        self.name: Final = name
        """nixswarm's name of the host."""
        self.line: Final = line
        """Its machines line, exactly as in the build's builders file."""
        self.systems: Final = systems
        self.features: Final = features
        self.mandatory: Final = mandatory
        self.slots: Final = slots
        """Column 4: builds at once (already capped by the owner's max-jobs)."""
        self.speed: Final = speed
        """Column 5."""
        self.cores: Final = cores
        """Online CPUs (the load is weighed per core)."""
        self.max_load: Final = max_load
        """The owner's limit: no new work while the 1-minute load is above it."""
        self.load: Final = load
        """The 1-minute load when the build began (its check), until the live reader says more."""

    @property
    def uri(self) -> str:
        """The store URI: Nix names the machine by it in its log."""
        return self.line.split(" ", 1)[0]

    def refusal(self, system: str, required: tuple[str, ...]) -> str | None:
        """Why Nix's hook would never give it this derivation; None when it would."""
        return machine_refusal(self.systems, self.features, self.mandatory, system, required)


def machine_refusal(
    systems: Sequence[str], features: Sequence[str], mandatory: Sequence[str], system: str, required: Sequence[str]
) -> str | None:
    """Why Nix's hook never gives a machine (columns 2, 6 and 7) a derivation of system that requires these
    features (build-remote.cc: a builtin one goes anywhere); None when it would."""
    if system != "builtin" and system not in systems:
        return f"does not build {system}"
    offered = set(features) | set(mandatory)
    missing = sorted(set(required) - offered)
    if missing:
        return f"lacks {', '.join(missing)}"
    unmet = sorted(set(mandatory) - set(required))
    if unmet:
        return f"takes only derivations requiring {', '.join(unmet)}"
    return None


def _words(value: object, key: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v and v.isprintable() for v in value):
        raise HostError(f"{key} must be a list of words")
    if any(" " in v for v in value):
        raise HostError(f"{key} must be a list of words")
    return tuple(value)


def _number(value: object, key: str, low: float, high: float, *, whole: bool = False) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise HostError(f"{key} must be a number, not {value!r}")
    if isinstance(value, float) and not math.isfinite(value):
        raise HostError(f"{key} must be a finite number, not {value!r}")
    if whole and not isinstance(value, int):
        raise HostError(f"{key} must be a whole number, not {value!r}")
    if not low <= value <= high:
        raise HostError(f"{key} must be from {low:g} to {high:g}, not {value!r}")
    return float(value)


def _speed(value: object, key: str) -> float:
    """A speed factor: any finite number above 0, as the config allows."""
    speed = _number(value, key, 0, 1e9)
    if speed <= 0:
        raise HostError(f"{key} must be above 0, not {value!r}")
    return speed


def parse_host(data: object) -> HostInfo:
    """One entry of the policy's `hosts` list, validated; HostError names what is wrong."""
    if not isinstance(data, dict):
        raise HostError("a host must be a JSON object")
    name = data.get("name")
    if not isinstance(name, str) or not name or not set(name) <= NAME_CHARS or len(name) > 63:
        raise HostError(f"host name {name!r} is not a host name")
    line = data.get("line")
    if not isinstance(line, str) or not line.isprintable() or line.startswith(" ") or len(line) > 16384:
        raise HostError(f"{name}: line must be one machines line")
    max_load = data.get("max_load")
    load = data.get("load")
    return HostInfo(
        name,
        line,
        systems=_words(data.get("systems", []), f"{name}: systems"),
        features=_words(data.get("features", []), f"{name}: features"),
        mandatory=_words(data.get("mandatory", []), f"{name}: mandatory"),
        slots=int(_number(data.get("slots", 1), f"{name}: slots", 1, 1 << 16, whole=True)),
        speed=_speed(data.get("speed", 1), f"{name}: speed"),
        cores=int(_number(data.get("cores", 1), f"{name}: cores", 1, MAX_CORES, whole=True)),
        max_load=None if max_load is None else _number(max_load, f"{name}: max_load", 1e-3, MAX_LOAD),
        load=None if load is None else _number(load, f"{name}: load", 0, MAX_LOAD),
    )


def parse_hosts(data: object) -> tuple[HostInfo, ...]:
    """The policy's `hosts`: a list of distinct hosts."""
    if not isinstance(data, list):
        raise HostError("hosts must be a list")
    hosts = tuple(parse_host(item) for item in data)
    names = [h.name for h in hosts]
    if len(set(names)) != len(names):
        raise HostError("hosts must have distinct names")
    return hosts
