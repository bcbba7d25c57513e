"""The user's settings: defaults and the hosts they added, with their choices."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Literal

from nixswarm.errors import ConfigError, ValidationError
from nixswarm.model import validate
from nixswarm.model.choice import Choice
from nixswarm.model.host import Host

Scheme = Literal["ssh", "ssh-ng"]


@dataclass(frozen=True)
class Overrides:
    """The command line's --user, --identity and --timeout: used for one run, never saved."""

    user: str | None = None
    """--user: login user for hosts without one."""
    identity: str | None = None
    """--identity, made absolute: private key for hosts without one."""
    timeout: float | None = None
    """--timeout: per-host probe and connect limit, seconds."""


@dataclass(frozen=True)
class Defaults:
    """Defaults for hosts that do not name their own, and for the app."""

    user: str | None = None
    """Login user for hosts without one."""
    identity: str | None = None
    """Private key for hosts without one."""
    timeout: float = 3.0
    """Per-host probe and connect limit, seconds."""
    scheme: Scheme = "ssh-ng"
    """Store URI scheme of written entries."""
    local_weight: float | None = None
    """Share of jobs to keep local (0-1); None leaves Nix's own behaviour."""
    theme: str = "nixswarm-dark"
    """TUI theme."""
    control_persist: int = 60
    """Seconds an idle ssh master of the config `nixswarm write` writes stays up (only for Nix before 2.15)."""
    history_rows: int = 100_000
    """Derivations the build history keeps; the oldest are dropped past it."""

    def __post_init__(self) -> None:
        if self.user is not None:
            validate.user(self.user, "defaults.user")
        if self.identity is not None:
            validate.abs_path(self.identity, "defaults.identity")
        if isinstance(self.timeout, bool) or not isinstance(self.timeout, int | float):
            raise ValidationError("defaults.timeout", self.timeout, "must be a number of seconds")
        if not 0.1 <= self.timeout <= 300:
            raise ValidationError("defaults.timeout", self.timeout, "must be 0.1-300 seconds")
        if self.scheme not in ("ssh", "ssh-ng"):
            raise ValidationError("defaults.scheme", self.scheme, "must be 'ssh' or 'ssh-ng'")
        if self.local_weight is not None and (
            isinstance(self.local_weight, bool)
            or not isinstance(self.local_weight, int | float)
            or not 0 <= self.local_weight <= 1
        ):
            raise ValidationError("defaults.local_weight", self.local_weight, "must be a number from 0 to 1")
        validate.name(self.theme, "defaults.theme")
        if isinstance(self.control_persist, bool) or not isinstance(self.control_persist, int):
            raise ValidationError("defaults.control_persist", self.control_persist, "must be a whole number of seconds")
        if not 1 <= self.control_persist <= 3600:
            raise ValidationError("defaults.control_persist", self.control_persist, "must be 1-3600 seconds")
        if isinstance(self.history_rows, bool) or not isinstance(self.history_rows, int):
            raise ValidationError("defaults.history_rows", self.history_rows, "must be a whole number of rows")
        if not 100 <= self.history_rows <= 10_000_000:
            raise ValidationError("defaults.history_rows", self.history_rows, "must be 100-10000000 rows")

    def with_overrides(self, overrides: Overrides) -> Defaults:
        """A copy with what the command line set; ConfigError naming the command line for an invalid value."""
        try:
            return replace(
                self,
                user=self.user if overrides.user is None else overrides.user,
                identity=self.identity if overrides.identity is None else overrides.identity,
                timeout=self.timeout if overrides.timeout is None else overrides.timeout,
            )
        except ValidationError as err:
            raise ConfigError(f"command line: {err.message}") from None


@dataclass(frozen=True)
class HostEntry:
    """A host the user added, with what they chose for it."""

    host: Host
    """Where it is and how to log in."""
    choice: Choice = field(default_factory=Choice)
    """Enabled, max jobs, speed factor."""

    @property
    def max_jobs(self) -> int:
        """The slots Nix may use on it (column 4): the user's choice, capped by the owner's limit."""
        return self.host.capped_jobs(self.choice.max_jobs)


@dataclass(frozen=True)
class Settings:
    """Everything in config.toml."""

    defaults: Defaults = field(default_factory=Defaults)
    """The [defaults] table."""
    hosts: tuple[HostEntry, ...] = ()
    """The [hosts.NAME] tables, in file order."""

    def host(self, name: str) -> HostEntry | None:
        """The entry named name, if any."""
        return next((h for h in self.hosts if h.host.name == name), None)

    def with_host(self, entry: HostEntry) -> Settings:
        """A copy with entry added or replacing the one of the same name."""
        others = tuple(h for h in self.hosts if h.host.name != entry.host.name)
        if len(others) == len(self.hosts):
            return Settings(self.defaults, (*self.hosts, entry))
        return Settings(self.defaults, tuple(entry if h.host.name == entry.host.name else h for h in self.hosts))

    def without_host(self, name: str) -> Settings:
        """A copy without the host named name."""
        return Settings(self.defaults, tuple(h for h in self.hosts if h.host.name != name))
