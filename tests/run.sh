#!/bin/sh
# The whole test suite: installs what it needs (apt packages, a venv), then ruff, mypy and pytest.
# The end-to-end lab makes network namespaces, so this runs as root (re-running itself with sudo).
set -eu
cd "$(dirname "$0")/.."

if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then
        echo "tests/run.sh: the lab needs root for network namespaces; re-running with sudo" >&2
        exec sudo --preserve-env=NIXSWARM_SKIP_LAB,CI "$0" "$@"
    fi
    echo "tests/run.sh: not root and no sudo: the end-to-end lab cannot run (set NIXSWARM_SKIP_LAB=1 to skip it)" >&2
fi

missing=""
have() { command -v "$1" >/dev/null 2>&1 || [ -x "/usr/sbin/$1" ] || [ -x "/sbin/$1" ]; }
have nix-build || missing="$missing nix-bin"
have sshd || missing="$missing openssh-server"
have ssh || missing="$missing openssh-client"
[ -x /bin/busybox ] && /bin/busybox --list 2>/dev/null | grep -qx sh && dpkg -s busybox-static >/dev/null 2>&1 \
    || missing="$missing busybox-static"
have ip || missing="$missing iproute2"
have nft || missing="$missing nftables"
python3 -c "import ensurepip, venv" 2>/dev/null || missing="$missing python3-venv"
if [ -n "$missing" ]; then
    echo "tests/run.sh: installing$missing" >&2
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi

[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/python -m pip install -q --disable-pip-version-check -e '.[test,bench]'

.venv/bin/ruff check .
.venv/bin/ruff format --check .
.venv/bin/mypy
exec .venv/bin/pytest "$@"
