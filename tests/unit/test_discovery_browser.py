"""The live browser turns every name zeroconf reports into an Advert or a line saying why it was dropped."""

from __future__ import annotations

from typing import Any

import pytest
from zeroconf import ServiceStateChange

from nixswarm.discovery import service_types
from nixswarm.discovery.browser import browse

HOSTILE_NAME = f"b1\nevil.{service_types.NIXSWARM}"


class OneNameBrowser:
    """Reports one name as added the moment it starts, as AsyncServiceBrowser would on a PTR record naming it."""

    def __init__(self, zeroconf: Any, types: list[str], handlers: list[Any]) -> None:
        for handler in handlers:
            handler(zeroconf=zeroconf, service_type=types[0], name=HOSTILE_NAME, state_change=ServiceStateChange.Added)

    async def async_cancel(self) -> None:
        """Nothing runs."""


class NoNetwork:
    """An AsyncZeroconf without sockets."""

    def __init__(self, **options: Any) -> None:
        self.zeroconf = object()

    async def async_close(self) -> None:
        """Nothing is open."""


async def test_a_name_zeroconf_refuses_to_resolve_is_dropped_with_a_reason(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("zeroconf.asyncio.AsyncZeroconf", NoNetwork)
    monkeypatch.setattr("zeroconf.asyncio.AsyncServiceBrowser", OneNameBrowser)
    assert [item async for item in browse(0.5)] == [f"dropped mDNS record {HOSTILE_NAME!r}: BadTypeInNameException"]
