#!/bin/sh
# Run a command inside a Nix chroot made by nixroot.sh, as the lab needs it: in_root.sh ROOT COMMAND...
# The chroot gets this machine's /dev, /proc, /sys and /run (so `ip netns` is shared), this repository at the same
# path, and this machine's own root at /mnt/nixswarm-host (where the lab finds the other Nix versions' roots).
# Everything is mounted in a private mount namespace, so nothing outlives the command. The chroot becomes that
# namespace's root by pivot_root: in a bare chroot the kernel refuses user namespaces, and newer Nix then builds
# without its sandbox.
set -eu
root="$1"
shift
repo="$(cd "$(dirname "$0")/../.." && pwd)"
[ -x "$root/usr/bin/nix-build" ] || { echo "in_root.sh: $root holds no Nix (run tests/matrix/nixroot.sh)" >&2; exit 2; }
# shellcheck disable=SC2016
exec unshare --mount --propagation private -- sh -eu -c '
root="$1"; repo="$2"; shift 2
mount --bind "$root" "$root"
mount --rbind /dev "$root/dev"
mount -t proc proc "$root/proc"
mount --rbind /sys "$root/sys"
mount --rbind /run "$root/run"
mkdir -p "$root$repo" "$root/mnt/nixswarm-host" "$root/mnt/nixswarm-oldroot" "$root/tmp"
chmod 1777 "$root/tmp"
mount --bind "$repo" "$root$repo"
mount --bind / "$root/mnt/nixswarm-host"
cd "$root"
pivot_root . mnt/nixswarm-oldroot
umount -l /mnt/nixswarm-oldroot
exec chroot . env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root \
    LANG=C.UTF-8 TERM="${TERM:-dumb}" CI="${CI:-}" NIXSWARM_NIX_MATRIX="${NIXSWARM_NIX_MATRIX:-}" \
    NIXSWARM_SKIP_LAB="${NIXSWARM_SKIP_LAB:-}" NIXSWARM_LAB_HOST_ROOT=/mnt/nixswarm-host \
    PIP_DISABLE_PIP_VERSION_CHECK=1 sh -c "cd \"\$0\" && exec \"\$@\"" "$repo" "$@"
' sh "$root" "$repo" "$@"
