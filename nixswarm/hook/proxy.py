"""The proxy's conversation with Nix: answer a "try" with `# decline` itself, or hand it to the real hook."""

from __future__ import annotations

import os

from nixswarm.hook.drvfile import output_locks
from nixswarm.hook.ledger import Ledger
from nixswarm.hook.messages import Try, read_request, read_settings
from nixswarm.hook.occupancy import held_locks, is_held
from nixswarm.hook.policy import LOCAL, REMOTE, decide, forwarded_am_willing, outcome, tally
from nixswarm.hook.readfile import write_all
from nixswarm.hook.realhook import RealHook
from nixswarm.hook.scheduler import Scheduler
from nixswarm.hook.wire import EndOfStream, WireReader

LOG_PREFIX = "nixswarm hook: "
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import TypeVar

    from nixswarm.hook.config import HookConfig
    from nixswarm.hook.ledger import Placed

    T = TypeVar("T")


def log(message: str) -> None:
    """One line on stderr; Nix prints lines that do not start with "# " while it waits for a reply."""
    os.write(2, f"{LOG_PREFIX}{message}\n".encode(errors="replace"))


def max_jobs(settings: dict[str, str]) -> int:
    """Local build slots (Nix sends the number; anything else counts as unlimited, leaving it to amWilling)."""
    try:
        return int(settings.get("max-jobs", ""))
    except ValueError:
        return 1 << 30


def can_build_here(settings: dict[str, str], request: Try) -> bool:
    """Nix could build it here (max-jobs > 0, its system, its features), so a `# decline` cannot fail it."""
    if max_jobs(settings) == 0:
        return False
    systems = {settings.get("system", ""), "builtin", *settings.get("extra-platforms", "").split()}
    features = set(settings.get("system-features", "").split())
    return request.system in systems and set(request.features) <= features


class Proxy:
    """One hook process: Nix's settings, then "try" messages until Nix closes stdin or a real hook accepts."""

    def __init__(self, config: HookConfig, tail: list[str], nix_in: int = 0, nix_out: int = 2) -> None:
        self.config = config
        self.nix_in = nix_in
        self.nix_out = nix_out
        self.reader = WireReader(lambda size: os.read(nix_in, size))
        self.real = RealHook(config.real_hook, tail, nix_out)
        self.ledger = Ledger(config.ledger) if config.ledger else None
        self.settings: dict[str, str] = {}
        self.settings_block = b""
        self.max_jobs = 1
        self.pass_through = False
        """Set when the ledger fails: every "try" goes to the real hook unchanged."""
        self.scheduler: Scheduler | None = None
        """Chooses the builder of each remote derivation (when the policy lists hosts)."""

    def run(self) -> int:
        """Serve Nix; the wait status to exit with (the real hook's once it ran a build)."""
        try:
            self.settings = read_settings(self.reader)
        except EndOfStream:
            return 0
        self.settings_block = self.reader.take_raw()
        self.max_jobs = max_jobs(self.settings)
        if self.config.hosts and self.ledger is not None:
            self.scheduler = Scheduler(self.config, self.ledger, self.settings, self.real.tail, self.nix_out)
        try:
            while True:
                try:
                    request = read_request(self.reader)
                except EndOfStream:
                    return self.real.wait()
                raw = self.reader.take_raw()
                if request is None:  # not "try": the real hook exits too
                    self.real.send(raw)
                    return self.real.wait()
                status = self._serve(request, raw)
                if status is not None:
                    return status
        finally:
            if self.scheduler is not None:
                self.scheduler.close_others(None)

    def _serve(self, request: Try, raw: bytes) -> int | None:
        """Answer one "try"; the wait status to exit with once the real hook has accepted or died, else None."""
        local_ok = can_build_here(self.settings, request)
        where, am_willing = self._guarded(lambda: self._choose(request, local_ok), (REMOTE, request.am_willing))
        if where == LOCAL:
            write_all(self.nix_out, b"# decline\n")
            return None
        if self.scheduler is not None and not self.pass_through:
            scheduler = self.scheduler
            decision = self._guarded(lambda: scheduler.place(request, am_willing and local_ok), None)
            if decision is not None:
                return self._decided(request, decision.reply, decision.hook, local_ok)
        if am_willing != request.am_willing:
            raw = Try(am_willing, request.system, request.drv_path, request.features).encode()
        if not self.real.started:
            self.real.start(self.settings_block)
        self.real.send(raw)
        reply = self.real.relay_reply()
        if reply is None:  # it died without a reply: Nix sees our output end, as it would see its
            return self.real.wait()
        went = outcome(reply)
        self._guarded(lambda: self._record(request.drv_path, went), None)
        if reply == "postpone" and not self.pass_through and self._wait_in_slot_queue(request, local_ok):
            reply = "decline"
        write_all(self.nix_out, f"# {reply}\n".encode())
        if reply != "accept":
            return None
        self.real.relay_build(self.nix_in, self.reader.take_buffered())
        return self.real.wait()

    def _decided(self, request: Try, reply: str, hook: RealHook | None, local_ok: bool) -> int | None:
        """Tell Nix the scheduler's answer; after an accept, relay the build and return the hook's wait status."""
        if reply != "accept" or hook is None:
            self._guarded(lambda: self._record(request.drv_path, outcome(reply)), None)
            if reply == "postpone" and self._wait_in_slot_queue(request, local_ok):
                reply = "decline"
            write_all(self.nix_out, f"# {reply}\n".encode())
            return None
        assert self.scheduler is not None
        self.scheduler.close_others(next(n for n, h in self.scheduler.hooks.items() if h is hook))
        write_all(self.nix_out, b"# accept\n")
        hook.relay_build(self.nix_in, self.reader.take_buffered())
        status = hook.wait()
        scheduler = self.scheduler
        self._guarded(lambda: scheduler.finished(request.drv_path, status == 0), None)
        return status

    def _guarded(self, use_ledger: Callable[[], T], otherwise: T) -> T:
        """use_ledger(), or otherwise once the ledger has failed: Nix decides then, as without us."""
        if self.pass_through:
            return otherwise
        try:
            return use_ledger()
        except Exception as err:  # a broken ledger or state must never fail the build
            log(f"ledger {self.config.ledger}: {type(err).__name__}: {err}; the real hook decides from now on")
            self.pass_through = True
            return otherwise

    def _wait_in_slot_queue(self, request: Try, local_ok: bool) -> bool:
        """Turn a postpone into a decline: with no free local slot (amWilling 0) Nix queues it for one and asks
        again when a build ends, rather than every build-poll-interval (5 s)."""
        share = self.config.local_share or 0.0
        return self.config.decline_to_wait and share > 0 and local_ok and not request.am_willing

    def _choose(self, request: Try, local_ok: bool) -> tuple[str, bool]:
        """LOCAL or REMOTE, and the amWilling to forward; a LOCAL derivation is booked with its output locks."""
        share = self.config.local_share
        if share is None:  # Nix's own: remote first, local when no builder takes it
            return REMOTE, request.am_willing
        if self.ledger is None:  # remote only needs no history
            where = decide(share, 0, 0, free_slot=request.am_willing, local_ok=local_ok, prior=None)
            return where, forwarded_am_willing(share, request.am_willing, request.am_willing)

        def change(placed: Placed) -> tuple[str, bool]:
            free_slot = request.am_willing and self._busy(placed, request.drv_path) < self.max_jobs
            local, remote = tally(placed, request.drv_path)
            prior = placed[request.drv_path][0] if request.drv_path in placed else None
            prior = prior if prior in (None, LOCAL) else REMOTE
            where = decide(share, local, remote, free_slot=free_slot, local_ok=local_ok, prior=prior)
            if where == LOCAL:
                placed[request.drv_path] = (LOCAL, output_locks(request.drv_path))
            return where, forwarded_am_willing(share, request.am_willing, free_slot, local, remote)

        return self.ledger.update(change)

    @staticmethod
    def _busy(placed: Placed, drv_path: str) -> int:
        """Local slots taken, or about to be, by derivations sent local; those that let go are forgotten."""
        held = held_locks()
        if held is None:
            return 0
        busy = 0
        for drv, (where, locks) in list(placed.items()):
            if drv == drv_path or not locks or where != LOCAL:
                continue
            if any(is_held(lock, held) for lock in locks):
                busy += 1
            else:  # built, or gone to wait for a slot (Nix then asks again)
                placed[drv] = (where, ())
        return busy

    def _record(self, drv_path: str, where: str | None) -> None:
        if self.ledger is None or where is None:
            return

        def change(placed: Placed) -> None:
            placed[drv_path] = (where, output_locks(drv_path) if where == LOCAL else ())

        self.ledger.update(change)
