"""nixswarm's domain objects: frozen, validated when built, free of any UI or I/O."""

from nixswarm.model.choice import Choice
from nixswarm.model.facts import NixFacts
from nixswarm.model.host import Host, Source
from nixswarm.model.hostkey import HostKey
from nixswarm.model.local import LocalMachine
from nixswarm.model.nixversion import NIX_2_8, NixVersion
from nixswarm.model.probe import FailureKind, ProbeFailure, ProbeResult
from nixswarm.model.trust import Consent, KeyCheck, TrustState, trust_state

__all__ = [
    "NIX_2_8",
    "Choice",
    "Consent",
    "FailureKind",
    "Host",
    "HostKey",
    "KeyCheck",
    "LocalMachine",
    "NixFacts",
    "NixVersion",
    "ProbeFailure",
    "ProbeResult",
    "Source",
    "TrustState",
    "trust_state",
]
