"""Entry of the build-hook proxy: `python -m nixswarm.hook <verbosity>`, started by Nix as its build-hook."""

from __future__ import annotations

import os
import sys

from nixswarm.hook.config import ENV, ConfigError, parse_config, real_hook_from
from nixswarm.hook.proxy import Proxy, log
from nixswarm.hook.realhook import exec_real_hook
from nixswarm.hook.wire import WireError


def exit_status(status: int) -> int:
    """Exit as the real hook did: its code, or the signal that killed it."""
    if os.WIFSIGNALED(status):
        import signal

        signal.signal(os.WTERMSIG(status), signal.SIG_DFL)
        os.kill(os.getpid(), os.WTERMSIG(status))
    return os.waitstatus_to_exitcode(status) if os.WIFEXITED(status) else 1


def main(argv: list[str] | None = None) -> int:
    """Serve Nix with the policy of NIXSWARM_HOOK_POLICY, or become the real hook when it cannot be used."""
    tail = sys.argv[1:] if argv is None else argv
    text = os.environ.get(ENV)
    try:
        if text is None:
            raise ConfigError(f"{ENV} is not set")
        config = parse_config(text)
    except ConfigError as err:
        real_hook = real_hook_from(text)
        log(f"{err}; every build goes to {' '.join(real_hook)} unchanged")
        try:
            exec_real_hook(real_hook, tail)
        except OSError as exec_err:
            log(f"cannot run {real_hook[0]}: {exec_err}")
            return 1
    try:
        return exit_status(Proxy(config, tail).run())
    except (WireError, OSError) as err:  # Nix then reports that its hook ended without a reply
        log(f"{type(err).__name__}: {err}")
        return 1


if __name__ == "__main__":
    raise SystemExit(main())
