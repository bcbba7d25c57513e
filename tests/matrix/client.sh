#!/bin/sh
# The end-to-end suite with another Nix as the client: client.sh SUITE [PYTEST ARGS...]
# Inside SUITE's chroot (made by nixroot.sh), nixswarm goes into a venv of that chroot's own Python, and pytest runs
# there (tests/e2e unless a path under tests/ is given). Lab builders default to the same Nix; tests ask for the others by version.
set -eu
suite="$1"
shift
here="$(cd "$(dirname "$0")" && pwd)"
root="$("$here/nixroot.sh" "$suite")"
venv=".venv-nix/$suite"
case " $* " in
*" tests"*) ;;
*) set -- "$@" tests/e2e ;;  # no test path given: the end-to-end suite
esac
# shellcheck disable=SC2016
exec "$here/in_root.sh" "$root" sh -eu -c '
venv="$1"; shift
if ! "$venv/bin/python" -c "import nixswarm, pytest" 2>/dev/null; then
    rm -rf "$venv"
    python3 -m venv "$venv"
fi
"$venv/bin/python" -m pip install -q --disable-pip-version-check -e ".[test]"
echo "client.sh: $(nix --version), $("$venv/bin/python" --version)" >&2
exec "$venv/bin/python" -m pytest -p no:cacheprovider "$@"
' sh "$venv" "$@"
