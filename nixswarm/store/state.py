"""nixswarm's state: the host keys the user approved (probe results join it later)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from nixswarm.errors import ConfigError, ValidationError
from nixswarm.model import validate
from nixswarm.model.hostkey import HostKey
from nixswarm.store.atomic import atomic_write

STATE_VERSION = 1


@dataclass(frozen=True)
class State:
    """What nixswarm remembers between runs."""

    approved: tuple[tuple[str, HostKey], ...] = ()
    """(host name, approved key), one per host."""

    def approved_key(self, name: str) -> HostKey | None:
        """The key the user approved for name."""
        return next((k for n, k in self.approved if n == name), None)

    def approve(self, name: str, key: HostKey) -> State:
        """A copy with key approved for name (replacing any earlier approval)."""
        validate.host_name(name)
        return State((*((n, k) for n, k in self.approved if n != name), (name, key)))

    def forget(self, name: str) -> State:
        """A copy without an approval for name."""
        return State(tuple((n, k) for n, k in self.approved if n != name))


def load_state(path: Path) -> State:
    """State from path; empty when it does not exist; ConfigError naming the fault otherwise."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return State()
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as err:
        raise ConfigError(f"{path}: not a nixswarm state file ({err}); move it away to start afresh") from None
    if not isinstance(data, dict) or data.get("version") != STATE_VERSION:
        raise ConfigError(f"{path}: unknown state format (expected version {STATE_VERSION})")
    approved = data.get("approved", {})
    if not isinstance(approved, dict):
        raise ConfigError(f"{path}: 'approved' must be an object of host name to key")
    try:
        pairs = tuple((validate.host_name(n), HostKey.parse(k)) for n, k in approved.items())
    except ValidationError as err:
        raise ConfigError(f"{path}: approved: {err.message}") from None
    return State(pairs)


def save_state(path: Path, state: State) -> None:
    """Write state atomically, mode 0600."""
    data = {"version": STATE_VERSION, "approved": {n: k.line for n, k in state.approved}}
    atomic_write(path, json.dumps(data, indent=2, sort_keys=True) + "\n", mode=0o600)
