"""Count mDNS packets per interface in the root namespace, to prove nothing leaves the lab."""

from __future__ import annotations

import contextlib
import select
import socket
import struct
import threading
from collections import Counter

ETH_P_ALL = 0x0003
MDNS_PORT = 5353


def _is_mdns(frame: bytes) -> bool:
    if len(frame) < 14:
        return False
    ethertype = struct.unpack("!H", frame[12:14])[0]
    if ethertype == 0x0800 and len(frame) >= 34:
        ihl = (frame[14] & 0x0F) * 4
        if frame[23] != 17 or len(frame) < 14 + ihl + 4:
            return False
        sport, dport = struct.unpack("!HH", frame[14 + ihl : 18 + ihl])
        return MDNS_PORT in (sport, dport)
    if ethertype == 0x86DD and len(frame) >= 58:
        if frame[20] != 17:
            return False
        sport, dport = struct.unpack("!HH", frame[54:58])
        return MDNS_PORT in (sport, dport)
    return False


class MdnsSniffer:
    """`with MdnsSniffer() as s: ...; s.counts` holds mDNS packets seen per interface name."""

    def __init__(self) -> None:
        self.counts: Counter[str] = Counter()
        self._sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)

    def _loop(self) -> None:
        while not self._stop.is_set():
            ready, _, _ = select.select([self._sock], [], [], 0.05)
            if not ready:
                continue
            with contextlib.suppress(OSError):
                frame, addr = self._sock.recvfrom(65535)
                if _is_mdns(frame):
                    self.counts[str(addr[0])] += 1

    def __enter__(self) -> MdnsSniffer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=2)
        self._sock.close()
