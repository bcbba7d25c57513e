"""A Nix version, parsed from `nix --version`, with the feature gates nixswarm needs."""

from __future__ import annotations

import re
from dataclasses import dataclass

from nixswarm.errors import ValidationError

_VERSION = re.compile(r"(?:nix \((?P<flavour>[A-Za-z][A-Za-z ,]{0,30})\) )?(?P<num>\d{1,4}(?:\.\d{1,4}){1,2})\S{0,64}")


@dataclass(frozen=True, order=True)
class NixVersion:
    """Nix's version number; compare with <, >=."""

    major: int
    """2 for every Nix nixswarm knows."""
    minor: int
    """The release; feature gates are on it."""
    patch: int = 0
    """The bug-fix release."""

    @classmethod
    def parse(cls, text: str) -> NixVersion:
        """Read `nix (Nix) 2.8.0`, `2.24.10pre...` or a bare `2.8`."""
        if not isinstance(text, str):
            raise ValidationError("nix version", text, "expected text")
        match = _VERSION.fullmatch(text.strip())
        if match is None:
            raise ValidationError("nix version", text, "expected something like 'nix (Nix) 2.8.0'")
        parts = [int(p) for p in match["num"].split(".")] + [0]
        return cls(parts[0], parts[1], parts[2])

    def __str__(self) -> str:
        return f"{self.major}.{self.minor}.{self.patch}"

    @property
    def float_speed_factor(self) -> bool:
        """speedFactor is a float from 2.20; before, an integer (1.5 is a parse error)."""
        return self >= NixVersion(2, 20)

    @property
    def port_in_store_uri(self) -> bool:
        """`ssh://host:2222` works from 2.31; before, Nix tries to resolve 'host:2222'."""
        return self >= NixVersion(2, 31)

    @property
    def config_show(self) -> bool:
        """`nix config show` replaced `nix show-config` in 2.20."""
        return self >= NixVersion(2, 20)

    @property
    def semicolon_ends_comment(self) -> bool:
        """Before 2.29 a ';' inside a '#' comment starts a new machines entry."""
        return self < NixVersion(2, 29)


NIX_2_8 = NixVersion(2, 8, 0)
