#!/bin/sh
# Run the README's two set-up commands on a fresh Debian 12 machine: a new `debootstrap bookworm` chroot, as root,
# with no /etc/nix, /run/sshd, nixbld group, sudo or Nix. fresh_machine.sh DIR [COMMAND]
# DIR must hold a bookworm made by debootstrap and a clean clone of this repository in DIR/src (the caller makes
# both). Only the machine's network settings (resolver, CA certificates, pip.conf) are copied in, as a CI machine has
# them. COMMAND defaults to the README's test command; /run is a new empty tmpfs, as after a boot.
set -eu
root="$1"
shift
[ "$#" -gt 0 ] || set -- ./tests/run.sh
[ -d "$root/src/.git" ] || { echo "fresh_machine.sh: $root/src is not a clone" >&2; exit 2; }
cp /etc/resolv.conf "$root/etc/resolv.conf"
if [ -d /usr/local/share/ca-certificates ]; then
    mkdir -p "$root/usr/local/share/ca-certificates"
    cp -r /usr/local/share/ca-certificates/. "$root/usr/local/share/ca-certificates/"
    chroot "$root" update-ca-certificates >/dev/null 2>&1 || true
fi
[ -f /etc/pip.conf ] && cp /etc/pip.conf "$root/etc/pip.conf"
# shellcheck disable=SC2016
exec unshare --mount --propagation private -- sh -eu -c '
root="$1"; shift
mount --bind "$root" "$root"
mount --rbind /dev "$root/dev"
mount -t proc proc "$root/proc"
mount --rbind /sys "$root/sys"
mount -t tmpfs tmpfs "$root/run"
mkdir -p "$root/mnt/oldroot"
cd "$root"
pivot_root . mnt/oldroot
umount -l /mnt/oldroot
exec chroot . env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 \
    CI=1 sh -c "cd /src && exec \"\$@\"" sh "$@"
' sh "$root" "$@"
