"""A far-away builder on one machine: a TCP relay in the builder's namespace that holds every chunk back.

Run inside the builder's namespace: python -m tests.lab.slow_link ADDRESS LISTEN_PORT DELAY_SECONDS
It relays ADDRESS:LISTEN_PORT to the builder's sshd (ADDRESS:22), delaying each chunk in each direction, as a long
link does (the kernel's netem is not available everywhere). Prints `ready` once it listens; SIGTERM stops it.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import sys


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, delay: float) -> None:
    """Copy reader to writer, each chunk `delay` seconds late and in order."""
    queue: asyncio.Queue[tuple[float, bytes]] = asyncio.Queue()
    loop = asyncio.get_running_loop()

    async def send() -> None:
        while True:
            due, chunk = await queue.get()
            await asyncio.sleep(max(0.0, due - loop.time()))
            if not chunk:
                break
            writer.write(chunk)
            await writer.drain()

    sender = asyncio.create_task(send())
    try:
        while chunk := await reader.read(65536):
            queue.put_nowait((loop.time() + delay, chunk))
        queue.put_nowait((loop.time() + delay, b""))
        await sender
    finally:
        sender.cancel()
        with contextlib.suppress(OSError):
            writer.close()


async def main(address: str, port: int, delay: float) -> None:
    async def relay(client_reader: asyncio.StreamReader, client_writer: asyncio.StreamWriter) -> None:
        try:
            sshd_reader, sshd_writer = await asyncio.open_connection(address, 22)
        except OSError:
            client_writer.close()
            return
        with contextlib.suppress(OSError, asyncio.CancelledError):
            await asyncio.gather(_pipe(client_reader, sshd_writer, delay), _pipe(sshd_reader, client_writer, delay))

    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    server = await asyncio.start_server(relay, address, port)
    print("ready", flush=True)
    async with server:
        await stop.wait()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], int(sys.argv[2]), float(sys.argv[3])))
