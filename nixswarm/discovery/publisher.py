"""Publish this machine over mDNS until told to stop, then unregister."""

from __future__ import annotations

import asyncio
import ipaddress
import signal
from collections.abc import Callable, Sequence

from nixswarm.discovery import service_types
from nixswarm.discovery.advert_txt import Publication, txt_properties
from nixswarm.discovery.browser import zeroconf_options


async def publish(
    pub: Publication,
    interfaces: Sequence[str] = (),
    stop: asyncio.Event | None = None,
    on_registered: Callable[[], None] | None = None,
) -> None:
    """Register the service, call on_registered, wait for SIGTERM, SIGINT or `stop`, unregister."""
    from zeroconf import ServiceInfo
    from zeroconf.asyncio import AsyncZeroconf

    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    info = ServiceInfo(
        service_types.NIXSWARM,
        f"{pub.name}.{service_types.NIXSWARM}",
        port=pub.port,
        properties=txt_properties(pub),
        server=f"{pub.name}.local.",
        addresses=[ipaddress.ip_address(a.split("%", 1)[0]).packed for a in pub.addresses],
    )
    aiozc = AsyncZeroconf(**zeroconf_options(interfaces))
    try:
        announced = await aiozc.async_register_service(info, allow_name_change=False)
        await announced
        if on_registered is not None:
            on_registered()
        await stop.wait()
        await aiozc.async_unregister_service(info)
    finally:
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.remove_signal_handler(sig)
        await aiozc.async_close()
