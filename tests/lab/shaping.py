"""A LAN's link speed for the lab: the veths between namespaces move gigabytes a second, a team's LAN about
1 Gbit/s. A token bucket on the client's side of the bridge (everything the client sends to the builders, as
through its one network card) and on each builder's own interface (what it sends back)."""

from __future__ import annotations

from tests.lab.lab import Lab
from tests.lab.procs import run
from tests.lab.traffic import peer_name

BURST = "1mb"
"""Above the largest segment a veth passes at once (64 KiB with segmentation offload), so none is dropped."""


def limit_links(lab: Lab, rate: str = "1gbit") -> None:
    """Limit the client's and every builder's sending to rate (tc's units: 1gbit, 500mbit)."""
    shape = ["root", "tbf", "rate", rate, "burst", BURST, "latency", "50ms"]
    run(["tc", "qdisc", "replace", "dev", lab.bridge, *shape])
    for index, builder in enumerate(lab.builders, start=1):
        own = peer_name(lab.run_id, index)
        run(["ip", "netns", "exec", builder.namespace, "tc", "qdisc", "replace", "dev", own, *shape])
