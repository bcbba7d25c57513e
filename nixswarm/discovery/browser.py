"""Browse mDNS with python-zeroconf's async API; adverts stream out as they are resolved."""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
from collections.abc import AsyncIterator, Sequence
from typing import TYPE_CHECKING, Any

from nixswarm.discovery import service_types
from nixswarm.discovery.record import Advert, RawRecord, parse_record
from nixswarm.errors import ValidationError

if TYPE_CHECKING:
    from zeroconf import ServiceInfo

RESOLVE_MS = 1500


def zeroconf_options(interfaces: Sequence[str]) -> dict[str, Any]:
    """Pinned to the given local addresses (IPv4 only when all are IPv4), else every interface."""
    from zeroconf import InterfaceChoice, IPVersion

    if not interfaces:
        return {"interfaces": InterfaceChoice.All, "ip_version": IPVersion.All}
    for address in interfaces:
        try:
            ipaddress.ip_address(address.split("%", 1)[0])
        except ValueError:
            raise ValidationError("--interface", address, "expected a local IP address") from None
    v4 = all(":" not in a for a in interfaces)
    return {"interfaces": list(interfaces), "ip_version": IPVersion.V4Only if v4 else IPVersion.All}


def raw_record(service_type: str, name: str, info: ServiceInfo) -> RawRecord:
    """What a resolved ServiceInfo for `name` says, still untrusted."""
    return RawRecord(
        service_type=service_type,
        instance=name.removesuffix("." + service_type),
        server=info.server,
        port=info.port,
        addresses=tuple(info.parsed_scoped_addresses()),
        properties=dict(info.properties),
    )


async def browse(
    duration: float, interfaces: Sequence[str] = (), types: Sequence[str] = service_types.ALL
) -> AsyncIterator[Advert | str]:
    """Yield each Advert (or a line saying why a record was dropped) for `duration` seconds."""
    from zeroconf import ServiceStateChange
    from zeroconf.asyncio import AsyncServiceBrowser, AsyncServiceInfo, AsyncZeroconf

    queue: asyncio.Queue[Advert | str] = asyncio.Queue()
    pending: set[asyncio.Task[None]] = set()
    aiozc = AsyncZeroconf(**zeroconf_options(interfaces))

    async def resolve(service_type: str, name: str) -> None:
        try:
            info = AsyncServiceInfo(service_type, name)  # raises on a name zeroconf will not resolve
            if not await info.async_request(aiozc.zeroconf, RESOLVE_MS):
                return
            await queue.put(parse_record(raw_record(service_type, name, info)))
        except ValidationError as err:
            await queue.put(f"dropped mDNS record {name[:80]!r}: {err.message}")
        except Exception as err:
            await queue.put(f"dropped mDNS record {name[:80]!r}: {type(err).__name__}")

    def on_change(zeroconf: Any, service_type: str, name: str, state_change: ServiceStateChange) -> None:
        if state_change in (ServiceStateChange.Added, ServiceStateChange.Updated):
            task = asyncio.ensure_future(resolve(service_type, name))
            pending.add(task)
            task.add_done_callback(pending.discard)

    browser = AsyncServiceBrowser(aiozc.zeroconf, list(types), handlers=[on_change])
    loop = asyncio.get_running_loop()
    deadline = loop.time() + duration
    try:
        while (left := deadline - loop.time()) > 0:
            try:
                yield await asyncio.wait_for(queue.get(), left)
            except TimeoutError:
                break
    finally:
        await browser.async_cancel()
        for task in list(pending):
            task.cancel()
        with contextlib.suppress(Exception):
            await asyncio.gather(*pending, return_exceptions=True)
        await aiozc.async_close()
