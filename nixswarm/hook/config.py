"""The hook's configuration: NIXSWARM_HOOK_POLICY, a JSON object, parsed once and validated."""

from __future__ import annotations

import json
import math
import os

from nixswarm.hook.hosts import HostError, HostInfo, parse_hosts

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Final

ENV = "NIXSWARM_HOOK_POLICY"
KEYS = ("local_share", "ledger", "real_hook", "decline_to_wait", "hosts", "loads", "durations")


class ConfigError(ValueError):
    """NIXSWARM_HOOK_POLICY cannot be used; the hook then passes everything to the real hook."""


class HookConfig:
    """What the proxy does (Final fields, no dataclass: importing dataclasses costs ~20 ms per hook start)."""

    __slots__ = ("decline_to_wait", "durations", "hosts", "ledger", "loads", "local_share", "real_hook")

    def __init__(
        self,
        local_share: float | None,
        ledger: str | None,
        real_hook: tuple[str, ...],
        *,
        decline_to_wait: bool = False,
        hosts: tuple[HostInfo, ...] = (),
        loads: str | None = None,
        durations: str | None = None,
    ) -> None:
        self.local_share: Final = local_share
        """W: 1 prefer local, 0 < W < 1 about W of the derivations here, 0 remote only; None: Nix's own (remote
        first, local when no builder has a free slot)."""
        self.ledger: Final = ledger
        """Folder of the shared ledger (needed when W > 0)."""
        self.real_hook: Final = real_hook
        """The build-hook setting the proxy replaces: executable, then arguments (Nix appends the verbosity)."""
        self.decline_to_wait: Final = decline_to_wait
        """Turn the real hook's `postpone` into `decline` when Nix has no free local slot: up to 2.35.1 Nix then asks
        again whenever a build ends, not every build-poll-interval (from 2.35.2 only once a local slot frees)."""
        self.hosts: Final = hosts
        """The builders the scheduler chooses among; () leaves the choice to the real hook (--placement nix)."""
        self.loads: Final = loads
        """The live loads file the build's load reader keeps (loads.py)."""
        self.durations: Final = durations
        """Past build times by derivation name and host, written from the history (durations.py)."""


def parse_config(text: str) -> HookConfig:
    """The configuration in text; ConfigError names the key that is wrong."""
    try:
        data = json.loads(text)
    except ValueError as err:
        raise ConfigError(f"{ENV} is not JSON: {err}") from None
    if not isinstance(data, dict):
        raise ConfigError(f"{ENV} must be a JSON object")
    for key in data:
        if key not in KEYS:
            import difflib

            close = difflib.get_close_matches(str(key), KEYS, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise ConfigError(f"{ENV}: unknown key {key!r}{hint}")
    share = data.get("local_share")
    if share is not None and (
        isinstance(share, bool) or not isinstance(share, int | float) or not math.isfinite(share) or not 0 <= share <= 1
    ):
        raise ConfigError(f"{ENV}: local_share must be a number from 0 to 1 or null, not {share!r}")
    ledger = data.get("ledger")
    if ledger is not None and (not isinstance(ledger, str) or not ledger.startswith("/") or "\0" in ledger):
        raise ConfigError(f"{ENV}: ledger must be an absolute folder path, not {ledger!r}")
    try:
        hosts = parse_hosts(data.get("hosts", []))
    except HostError as err:
        raise ConfigError(f"{ENV}: {err}") from None
    if ledger is None and (hosts or share is None or share > 0):
        raise ConfigError(f"{ENV}: ledger is needed when local_share > 0 or hosts are given")
    loads, durations = _file(data, "loads"), _file(data, "durations")
    real_hook = parse_real_hook(data.get("real_hook"))
    if real_hook is None:
        raise ConfigError(f"{ENV}: real_hook must be a non-empty list of strings, not {data.get('real_hook')!r}")
    decline_to_wait = data.get("decline_to_wait", False)
    if not isinstance(decline_to_wait, bool):
        raise ConfigError(f"{ENV}: decline_to_wait must be true or false, not {decline_to_wait!r}")
    return HookConfig(
        None if share is None else float(share),
        ledger,
        real_hook,
        decline_to_wait=decline_to_wait,
        hosts=hosts,
        loads=loads,
        durations=durations,
    )


def _file(data: dict[str, object], key: str) -> str | None:
    value = data.get(key)
    if value is not None and (not isinstance(value, str) or not value.startswith("/") or "\0" in value):
        raise ConfigError(f"{ENV}: {key} must be an absolute file path, not {value!r}")
    return value


def parse_real_hook(value: object) -> tuple[str, ...] | None:
    """A build-hook value as a JSON list: the executable first; None when unusable."""
    if not isinstance(value, list) or not value:
        return None
    if not all(isinstance(v, str) and v and "\0" not in v for v in value):
        return None
    return tuple(value)


def real_hook_from(text: str | None) -> tuple[str, ...]:
    """The real hook named by a configuration that is otherwise unusable, else Nix's own default."""
    try:
        data = json.loads(text or "null")
    except ValueError:
        data = None
    found = parse_real_hook(data.get("real_hook")) if isinstance(data, dict) else None
    return found or default_real_hook()


def default_real_hook() -> tuple[str, ...]:
    """Nix's default build-hook: $libexec/nix/build-remote up to 2.9, `nix __build-remote` from 2.10."""
    libexec = os.environ.get("NIX_LIBEXEC_DIR")
    import shutil

    nix = shutil.which("nix")
    candidates = [f"{libexec}/nix/build-remote"] if libexec else []
    if nix:
        prefix = os.path.dirname(os.path.dirname(os.path.realpath(nix)))  # noqa: PTH120
        candidates.append(f"{prefix}/libexec/nix/build-remote")
    for path in candidates:
        if os.access(path, os.X_OK):
            return (path,)
    return (nix or "nix", "__build-remote")
