"""Publish a lab builder the way other tools do: nix-builder-beacon's service and plain `_ssh._tcp`.

Run inside the builder's namespace: python -m tests.lab.beacon ADDRESS NAME "ssh-ed25519 AAAA..." [beacon] [ssh]
"""

from __future__ import annotations

import asyncio
import base64
import ipaddress
import signal
import sys

from zeroconf import IPVersion, ServiceInfo
from zeroconf.asyncio import AsyncZeroconf

BEACON = "_nix_remote_builder._tcp.local."
SSH = "_ssh._tcp.local."


async def main(address: str, name: str, key_line: str, services: list[str]) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    packed = [ipaddress.ip_address(address).packed]
    beacon_txt = {
        "systems": "x86_64-linux",
        "maxJobs": "1",
        "speedFactor": "1",
        "sshUser": "root",
        "supportedFeatures": "big-parallel",
        "mandatoryFeatures": "",
        "hostKey": base64.b64encode(key_line.encode()).decode(),
    }
    infos = []
    if "beacon" in services:
        infos.append(
            ServiceInfo(
                BEACON, f"{name}.{BEACON}", port=22, properties=beacon_txt, server=f"{name}.local.", addresses=packed
            )
        )
    if "ssh" in services:
        infos.append(ServiceInfo(SSH, f"{name}.{SSH}", port=22, server=f"{name}.local.", addresses=packed))
    zc = AsyncZeroconf(interfaces=[address], ip_version=IPVersion.V4Only)
    for info in infos:
        await (await zc.async_register_service(info, cooperating_responders=True, strict=False))
    print("registered", flush=True)
    await stop.wait()
    for info in infos:
        await zc.async_unregister_service(info)
    await zc.async_close()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]))
