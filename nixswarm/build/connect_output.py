"""What ssh printed while Nix's build hook connected to a builder, kept for the failure that may follow."""

from __future__ import annotations

from nixswarm.build.nix_messages import machine_address

__all__ = ["MAX_ERRORS", "ConnectOutput", "add_distinct"]

MAX_ERRORS = 10
"""Distinct errors kept per host (and for Nix), and ssh lines kept per connection attempt."""


class ConnectOutput:
    """The plain lines of each connection attempt (Nix's `connecting to` activity), by machine."""

    def __init__(self) -> None:
        self._open: dict[int, tuple[str, list[str]]] = {}
        """Attempts under way: activity id -> machine and its lines."""
        self._ended: dict[str, list[str]] = {}
        """The lines of each machine's last attempt that ended."""

    def started(self, activity: int, machine: str) -> None:
        """The hook started connecting to machine."""
        self._open[activity] = (machine, [])
        self._ended.pop(machine, None)

    def stopped(self, activity: int) -> None:
        """An activity stopped; an attempt's lines are kept until its failure is reported."""
        attempt = self._open.pop(activity, None)
        if attempt is not None:
            self._ended[attempt[0]] = attempt[1]

    def take(self, machine: str) -> list[str]:
        """The lines of machine's last attempt that ended, once."""
        return self._ended.pop(machine, [])

    def keep(self, text: str) -> bool:
        """Keep a plain line for the one attempt it belongs to; False when it belongs to none or to several."""
        machines = {machine for machine, _ in self._open.values()}
        if len(machines) > 1:
            machines = {m for m in machines if machine_address(m).rsplit("@", 1)[-1] in text}
        if len(machines) != 1:
            return False
        machine = machines.pop()
        output = next(out for m, out in self._open.values() if m == machine)
        if len(output) < MAX_ERRORS:
            output.append(text)
        return True


def add_distinct(items: list[str], item: str) -> bool:
    """Append a distinct item while there is room; False when it was not added."""
    if item in items or len(items) >= MAX_ERRORS:
        return False
    items.append(item)
    return True
