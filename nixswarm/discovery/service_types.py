"""The mDNS service types nixswarm browses and publishes."""

from __future__ import annotations

NIXSWARM = "_nix-builder._tcp.local."
"""nixswarm's own: TXT txtvers, systems, features, mandatory, max-jobs, max-load (optional), speed-factor, cores, user,
fingerprint."""
BEACON = "_nix_remote_builder._tcp.local."
"""nix-builder-beacon's: TXT systems, maxJobs, speedFactor, sshUser, supportedFeatures, mandatoryFeatures, hostKey."""
SSH = "_ssh._tcp.local."
"""Plain ssh servers: candidates only, never probed uninvited."""

ALL = (NIXSWARM, BEACON, SSH)
TXT_VERSION = "1"
"""Raised only for a change older readers would misread: an added optional key (max-load) keeps it, since readers
ignore keys they do not know and a new version would make them drop the advert."""
