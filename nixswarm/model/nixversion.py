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
    def ssh_waits_for_started(self) -> bool:
        """From 2.15 Nix runs ssh with `LocalCommand=echo started` and waits for that line, which a session through
        a ControlMaster never prints: 2.15 waits for it always (it hangs), from 2.16 unless `ssh -O check`, run just
        after, finds a master. A master that appears or vanishes between the two makes `started` leak into the
        protocol ("protocol mismatch, got 'started'") or the wait hang (NixOS/nix#8329, #10645, #14132)."""
        return self >= NixVersion(2, 15)

    @property
    def ssh_checks_for_master(self) -> bool:
        """From 2.16 Nix asks `ssh -O check` whether a master runs before it waits for `started` (see above)."""
        return self >= NixVersion(2, 16)

    @property
    def ssh_hangs_on_masters(self) -> bool:
        """2.15 waits for `started` even from a session through a master, which prints none: it must use no master."""
        return self.ssh_waits_for_started and not self.ssh_checks_for_master

    @property
    def warns_ignored_builders(self) -> bool:
        """From 2.22 a daemon warns a client it does not trust that it ignores its `builders`; before, only at -vvvv."""
        return self >= NixVersion(2, 22)

    @property
    def config_show(self) -> bool:
        """`nix config show` replaced `nix show-config` in 2.20."""
        return self >= NixVersion(2, 20)

    @property
    def semicolon_ends_comment(self) -> bool:
        """Before 2.29 a ';' inside a '#' comment starts a new machines entry."""
        return self < NixVersion(2, 29)


NIX_2_8 = NixVersion(2, 8, 0)
