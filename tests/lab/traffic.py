"""Bytes between the client and a builder, from the kernel's counters of the builder's veth.

The veth pair: nx<run>v<i> sits in the root namespace (the client's) as a port of the lab's bridge, its peer
nx<run>p<i> in the builder's namespace. What the bridge forwards to the builder leaves through v<i>: v<i>'s
tx_bytes counts what the client sent the builder, its rx_bytes what the builder sent back. Both count Ethernet
frames (headers included) and also the bridge's broadcast and multicast floods (ARP, mDNS): a few hundred bytes.
"""

from __future__ import annotations

from pathlib import Path

SYS_NET = Path("/sys/class/net")


def veth_name(run_id: str, index: int) -> str:
    """The root-namespace end of builder index's veth pair."""
    return f"nx{run_id}v{index}"


def peer_name(run_id: str, index: int) -> str:
    """The builder's own end of its veth pair, inside its namespace."""
    return f"nx{run_id}p{index}"


def counter(link: str, name: str) -> int:
    """One statistics counter of a link of the root namespace (tx_bytes, rx_bytes, ...)."""
    return int((SYS_NET / link / "statistics" / name).read_text())
