"""Watch a build: feed Nix's internal-json lines to the progress model and the live or plain view."""

from __future__ import annotations

import json
import sys
from typing import Any

ACT_BUILD = 105


class Watch:
    """Interim: plain lines for builds starting and Nix's messages; the per-host model lands next."""

    def __init__(self, machines: dict[str, str], *, interactive: bool, print_logs: bool) -> None:
        self.machines = machines
        self.interactive = interactive
        self.print_logs = print_logs
        self.builds: dict[int, tuple[str, str]] = {}
        self.counts: dict[str, int] = {}

    def _host(self, machine: str) -> str:
        return self.machines.get(machine, machine or "local")

    def feed(self, line: str) -> None:
        if not line.startswith("@nix "):
            print(line, file=sys.stderr)
            return
        try:
            event: dict[str, Any] = json.loads(line[5:])
        except ValueError:
            return
        if event.get("action") == "start" and event.get("type") == ACT_BUILD:
            fields = event.get("fields") or []
            drv, machine = (str(fields[0]), str(fields[1])) if len(fields) >= 2 else ("?", "")
            host = self._host(machine)
            self.builds[int(event.get("id", 0))] = (drv, host)
            self.counts[host] = self.counts.get(host, 0) + 1
            print(f"[{host}] building {drv}", file=sys.stderr, flush=True)
        elif event.get("action") == "msg" and int(event.get("level", 9)) <= 1:
            print(str(event.get("msg", "")), file=sys.stderr, flush=True)

    def finish(self, code: int) -> dict[str, Any]:
        return {"exit_code": code, "hosts": {h: {"built": n} for h, n in self.counts.items()}}
