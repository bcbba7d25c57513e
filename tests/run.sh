#!/usr/bin/env bash
# The whole test suite: installs what it needs (apt packages, a venv), then ruff, mypy and pytest with this machine's
# Nix as the client, then the end-to-end suite again with Nix 2.26 (Debian trixie) and 2.34 (Debian sid) as the
# client, each in a cached chroot with its own Python (tests/matrix). The lab makes network namespaces, so this runs
# as root (re-running itself with sudo). NIXSWARM_NIX_MATRIX=0 skips the other Nix versions; CI never sets it.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then
        echo "tests/run.sh: the lab needs root for network namespaces; re-running with sudo" >&2
        exec sudo --preserve-env=NIXSWARM_SKIP_LAB,NIXSWARM_NIX_MATRIX,CI "$0" "$@"
    fi
    echo "tests/run.sh: not root and no sudo: the end-to-end lab cannot run (set NIXSWARM_SKIP_LAB=1 to skip it)" >&2
fi

matrix=1
if [ "${NIXSWARM_NIX_MATRIX:-}" = 0 ] || [ "${NIXSWARM_SKIP_LAB:-}" = 1 ]; then
    matrix=0
    echo "tests/run.sh: NIXSWARM_NIX_MATRIX=0 or NIXSWARM_SKIP_LAB=1: only this machine's Nix is tested" >&2
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
have pivot_root || missing="$missing util-linux"
python3 -c "import ensurepip, venv" 2>/dev/null || missing="$missing python3-venv"
[ "$matrix" = 0 ] || have debootstrap || missing="$missing debootstrap"
if [ -n "$missing" ]; then
    echo "tests/run.sh: installing$missing" >&2
    if ! { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
        $missing >/dev/null; }; then
        echo "tests/run.sh: cannot install$missing from Debian's package registry (no network to it?)" >&2
        exit 1
    fi
fi

[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/python -m pip install -q --disable-pip-version-check -e '.[test,bench]'

.venv/bin/ruff check .
.venv/bin/ruff format --check .
.venv/bin/mypy

if [ "$matrix" = 1 ]; then
    for suite in trixie sid; do
        if ! tests/matrix/nixroot.sh "$suite" >/dev/null; then
            echo "tests/run.sh: cannot make the $suite chroot with its Nix (see above); the Nix matrix needs Debian's" \
                "package registry once (NIXSWARM_NIX_MATRIX=0 skips it)" >&2
            exit 1
        fi
    done
fi

logs="$(mktemp -d)"
trap 'rm -rf "$logs"' EXIT
status=0
tally=()
run_one() {  # LABEL COMMAND...: run it, keep its pytest summary line
    local label="$1" code=0
    shift
    echo "tests/run.sh: ==== $label ====" >&2
    "$@" 2>&1 | tee "$logs/out" || code=$?
    tally+=("$label: $(grep -E '^=+ .*(passed|failed|error).* in [0-9.]+s' "$logs/out" | tail -1 | tr -d '=' \
        | sed 's/^ *//') (exit $code)")
    [ "$code" = 0 ] || status=1
}

run_one "Nix $(nix-build --version | awk '{print $NF}') client, $(.venv/bin/python --version)" .venv/bin/pytest "$@"
if [ "$matrix" = 1 ]; then
    for suite in trixie sid; do
        run_one "Nix $(cat "/var/cache/nixswarm-lab/$suite/.nixswarm-nix-bin") client ($suite chroot)" \
            tests/matrix/client.sh "$suite" "$@"
    done
fi
echo "tests/run.sh: summary" >&2
printf '  %s\n' "${tally[@]}" >&2
exit "$status"
