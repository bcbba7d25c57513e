"""The fixed shell scripts a probe runs on a host: every fact in one round trip.

They are constants: no text from the network or the user is ever put into them.
"""

from __future__ import annotations

MARK = "@@nixswarm:"

_LIVE = r"""
echo "@@nixswarm:nproc"; nproc 2>/dev/null || getconf _NPROCESSORS_ONLN 2>/dev/null || sysctl -n hw.ncpu 2>/dev/null
echo "@@nixswarm:loadavg"; cat /proc/loadavg 2>/dev/null || sysctl -n vm.loadavg 2>/dev/null
echo "@@nixswarm:meminfo"; grep -E '^(MemTotal|MemAvailable):' /proc/meminfo 2>/dev/null \
  || echo "MemTotal: $(( $(sysctl -n hw.memsize 2>/dev/null || echo 0) / 1024 )) kB"
echo "@@nixswarm:df"; { df -Pk /nix/store || df -Pk /nix || df -Pk /; } 2>/dev/null | tail -n 1
"""

FULL = (
    r"""export LC_ALL=C
echo "@@nixswarm:version"; v=$(nix --version 2>/dev/null); echo "$v"
echo "@@nixswarm:config"
case "$v" in
  *" 2."[0-9]|*" 2."[0-9].*|*" 2.1"[0-9]|*" 2.1"[0-9].*)
    nix --extra-experimental-features nix-command show-config --json 2>/dev/null ;;
  ?*) nix --extra-experimental-features nix-command config show --json 2>/dev/null \
    || nix --extra-experimental-features nix-command show-config --json 2>/dev/null ;;
esac
echo
echo "@@nixswarm:path"; command -v nix-store; command -v nix-daemon
"""
    + _LIVE
    + 'echo "@@nixswarm:end"\n'
)
"""Everything: Nix version and config, PATH, cores, load, memory and store space."""

REFRESH = "export LC_ALL=C\n" + _LIVE + 'echo "@@nixswarm:end"\n'
"""Only what changes often: cores, load, memory and store space."""
