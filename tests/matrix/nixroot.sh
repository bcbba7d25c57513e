#!/bin/sh
# Make (or refresh) a cached Debian chroot that holds another Nix for the lab: nixroot.sh SUITE
# SUITE is trixie (Nix 2.26) or sid (Nix 2.34). The chroot lives in /var/cache/nixswarm-lab/SUITE and is made again
# when the registry's nix-bin differs from the one installed in it. Prints the chroot's folder on stdout.
set -eu
suite="$1"
cache="${NIXSWARM_LAB_CACHE:-/var/cache/nixswarm-lab}"
root="$cache/$suite"
mirror="${NIXSWARM_DEBIAN_MIRROR:-http://deb.debian.org/debian}"
apt_opts="-o Acquire::Check-Valid-Until=false -o APT::Install-Recommends=false -o Dpkg::Use-Pty=0"
packages="libdbi-perl nix-bin openssh-server openssh-client python3 python3-venv busybox-static iproute2 nftables
ca-certificates passwd util-linux util-linux-extra mount procps"

say() { echo "nixroot($suite): $*" >&2; }
die() { say "$*"; exit 1; }

in_root() { r="$1"; shift; chroot "$r" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root DEBIAN_FRONTEND=noninteractive "$@"; }

mounted_below() { awk -v p="$1" '$2 == p || index($2, p "/") == 1 { found = 1 } END { exit !found }' /proc/mounts; }

installed_nix() { in_root "$1" dpkg-query -W -f '${Version}' nix-bin 2>/dev/null || true; }

candidate_nix() {
    # shellcheck disable=SC2086
    in_root "$1" apt-get $apt_opts update -qq >/dev/null 2>&1 || return 1
    in_root "$1" apt-cache policy nix-bin | awk '/Candidate:/ { print $2 }'
}

copy_host_trust() {
    # pip and apt inside the chroot reach the registries the way this machine does (its CA and pip settings)
    cp /etc/resolv.conf "$1/etc/resolv.conf" 2>/dev/null || true
    if [ -d /usr/local/share/ca-certificates ]; then
        mkdir -p "$1/usr/local/share/ca-certificates"
        cp -r /usr/local/share/ca-certificates/. "$1/usr/local/share/ca-certificates/"
    fi
    [ -f /etc/pip.conf ] && cp /etc/pip.conf "$1/etc/pip.conf"
    in_root "$1" update-ca-certificates >/dev/null 2>&1 || true
}

make_root() {
    new="$root.new.$$"
    rm -rf "$new"
    mkdir -p "$cache"
    command -v debootstrap >/dev/null 2>&1 || die "debootstrap is missing (tests/run.sh installs it)"
    say "debootstrap --variant=minbase $suite from $mirror (a few minutes, once)"
    if ! debootstrap --variant=minbase "$suite" "$new" "$mirror" >"$cache/$suite.debootstrap.log" 2>&1; then
        tail -5 "$cache/$suite.debootstrap.log" >&2
        rm -rf "$new"
        die "cannot reach Debian's package registry ($mirror) to make the $suite chroot; see $cache/$suite.debootstrap.log"
    fi
    copy_host_trust "$new"
    printf '#!/bin/sh\nexit 101\n' >"$new/usr/sbin/policy-rc.d"
    chmod 755 "$new/usr/sbin/policy-rc.d"
    # shellcheck disable=SC2086
    if ! in_root "$new" apt-get $apt_opts update -qq >"$cache/$suite.apt.log" 2>&1 \
        || ! in_root "$new" apt-get $apt_opts install -y -qq $packages >>"$cache/$suite.apt.log" 2>&1; then
        tail -5 "$cache/$suite.apt.log" >&2
        rm -rf "$new"
        die "apt-get install nix-bin in the $suite chroot failed; see $cache/$suite.apt.log"
    fi
    mkdir -p "$new/etc/nix" "$new/run/sshd" "$new/mnt/nixswarm-host"
    in_root "$new" apt-get clean
    installed_nix "$new" >"$new/.nixswarm-nix-bin"
    echo "$packages" >"$new/.nixswarm-packages"
    if [ -e "$root" ]; then
        mounted_below "$root" && die "$root is in use (mounted); not replacing it"
        rm -rf "$root"
    fi
    mv "$new" "$root"
    say "ready: nix-bin $(cat "$root/.nixswarm-nix-bin")"
}

if [ -f "$root/.nixswarm-nix-bin" ]; then
    have="$(cat "$root/.nixswarm-nix-bin")"
    copy_host_trust "$root"
    if want="$(candidate_nix "$root")" && [ -n "$want" ]; then
        if [ "$want" != "$have" ]; then
            say "nix-bin $have in the cache, $want in the registry: making the chroot again"
            make_root
        fi
    else
        say "cannot ask the registry for $suite's nix-bin; using the cached chroot (nix-bin $have)"
    fi
    if [ "$(cat "$root/.nixswarm-packages" 2>/dev/null)" != "$packages" ]; then
        say "the chroot's package list changed: installing it"
        # shellcheck disable=SC2086
        in_root "$root" apt-get $apt_opts install -y -qq $packages >"$cache/$suite.apt.log" 2>&1 \
            || die "apt-get install in the $suite chroot failed; see $cache/$suite.apt.log"
        echo "$packages" >"$root/.nixswarm-packages"
    fi
else
    make_root
fi
echo "$root"
