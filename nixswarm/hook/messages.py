"""The build-hook protocol's messages from Nix: the settings block and "try" (derivation-goal.cc, hook-instance.cc)."""

from __future__ import annotations

from nixswarm.hook.wire import WireReader, encode_int, encode_string, encode_strings

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Final

TRY = b"try"


def _text(data: bytes) -> str:
    return data.decode("utf-8", "surrogateescape")


def read_settings(reader: WireReader) -> dict[str, str]:
    """The block Nix sends first: (1, name, value)* then 0, all of Nix's settings with their effective values."""
    settings: dict[str, str] = {}
    while reader.read_int():
        name = _text(reader.read_string())
        settings[name] = _text(reader.read_string())
    return settings


def encode_settings(settings: dict[str, str]) -> bytes:
    """The settings block as Nix writes it."""
    body = b"".join(encode_int(1) + encode_string(k) + encode_string(v) for k, v in settings.items())
    return body + encode_int(0)


class Try:
    """One "try": may the hook build this derivation? (Final fields, no dataclass: its import costs ~20 ms.)"""

    __slots__ = ("am_willing", "drv_path", "features", "system")

    def __init__(self, am_willing: bool, system: str, drv_path: str, features: tuple[str, ...]) -> None:
        self.am_willing: Final = am_willing
        """Nix has a free local build slot (nrLocalBuilds < max-jobs)."""
        self.system: Final = system
        """The derivation's platform."""
        self.drv_path: Final = drv_path
        """The .drv store path."""
        self.features: Final = features
        """Its required system features."""

    def __repr__(self) -> str:
        return f"Try({self.am_willing}, {self.system!r}, {self.drv_path!r}, {self.features!r})"

    def encode(self) -> bytes:
        """The message as Nix writes it."""
        return (
            encode_string(TRY)
            + encode_int(1 if self.am_willing else 0)
            + encode_string(self.system)
            + encode_string(self.drv_path)
            + encode_strings(self.features)
        )


def read_request(reader: WireReader) -> Try | None:
    """The next "try"; None when Nix sent something else (the real hook then exits, and so do we)."""
    if reader.read_string() != TRY:
        return None
    am_willing = reader.read_int() != 0
    system = _text(reader.read_string())
    drv_path = _text(reader.read_string())
    features = tuple(_text(f) for f in reader.read_strings())
    return Try(am_willing, system, drv_path, features)
