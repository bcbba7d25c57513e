"""The scheduler: each derivation to the builder where it should finish first, through Nix's own hook.

For a derivation bound remote it ranks the builders (score.py), then offers it to the real hook narrowed to the
best one (its `builders` setting is that host's line alone); a host that declines, is busy or does not connect
passes it to the next. Nix still copies and builds; only one real hook ever accepts a derivation.
"""

from __future__ import annotations

import os
import time

from nixswarm.hook.bandwidth import read_bandwidth
from nixswarm.hook.drvfile import output_locks
from nixswarm.hook.drvinputs import input_paths, output_paths
from nixswarm.hook.durations import ANY, Durations, drv_name
from nixswarm.hook.loads import read_loads
from nixswarm.hook.lookahead import Lookahead
from nixswarm.hook.messages import Try, encode_settings
from nixswarm.hook.occupancy import held_locks, is_held
from nixswarm.hook.realhook import RealHook
from nixswarm.hook.reserve import keep_for_rivals
from nixswarm.hook.score import BANDWIDTH, DEFAULT_WORK, Situation, named, rank, why
from nixswarm.hook.sizes import path_bytes

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from nixswarm.hook.config import HookConfig
    from nixswarm.hook.ledger import Ledger, Placed
    from nixswarm.hook.score import Score

REMOTE_AT = "remote:"
"""Ledger entries of derivations the scheduler placed: `remote:<host>`."""
PLACEMENTS = "placements.jsonl"
"""Why each derivation went where: a JSON line per decision, for the summary and the build screen."""
DOWN_FOR = 30.0
"""Seconds a host that did not connect is passed over."""
WAIT_FORGOTTEN = 30.0
"""Seconds after which a derivation that waited for a host no longer counts in its queue."""
MAX_RUNS = 256
"""Finished builds kept for the median work estimate."""


OUTPUT_ENTRIES = 5000
"""Files of a finished build's outputs counted for their size (a larger output counts as what was seen)."""


def built(run: list[Any]) -> float:
    """A finished run's seconds building, less copying its outputs back (at least a tenth of its whole time):
    [host, start, end, ok, expected seconds, seconds of copying back]."""
    took = float(run[2] - run[1])
    back = run[5] if len(run) > 5 and isinstance(run[5], int | float) else 0.0
    return max(took - back, took / 10)


def median(values: list[float]) -> float:
    ordered = sorted(values)
    mid = len(ordered) // 2
    return ordered[mid] if len(ordered) % 2 else (ordered[mid - 1] + ordered[mid]) / 2


class Decision:
    """What the scheduler made of one "try" (no dataclass: its import costs ~20 ms per hook start)."""

    __slots__ = ("hook", "host", "reply", "why")

    def __init__(self, reply: str, host: str | None, why: str, hook: RealHook | None = None) -> None:
        self.reply = reply
        """The reply for Nix: accept (hook then builds it), decline or postpone."""
        self.host = host
        """Where it went (None: it waits or goes local)."""
        self.why = why
        self.hook = hook
        """The real hook that accepted it."""


NEVER = ("does not build", "lacks", "takes only")
"""How refusals that no wait can change begin (hosts.HostInfo.refusal)."""


class Seen:
    """The ranking a decision was made from, for its record."""

    __slots__ = ("decided_ms", "kept", "left_out", "scores")

    def __init__(self, scores: list[Score], left_out: list[tuple[str, str]], decided_ms: float, kept: str) -> None:
        self.scores = scores
        self.left_out = left_out
        self.decided_ms = decided_ms
        self.kept = kept
        """Why its best host was kept for more urgent work ("" when it was not: reserve.py)."""
        """Milliseconds spent ranking (the scheduler's own cost, before any real hook is asked)."""


class Scheduler:
    """Ranks builders and offers a derivation to each in turn, with one real hook per builder."""

    def __init__(self, config: HookConfig, ledger: Ledger, settings: dict[str, str], tail: list[str], out: int) -> None:
        self.config = config
        self.ledger = ledger
        self.settings = settings
        self.tail = tail
        self.out = out
        self.hooks: dict[str, RealHook] = {}
        self.durations = Durations(config.durations)
        self.lookahead = Lookahead(ledger.folder)
        self.accepted_hook: RealHook | None = None
        """The real hook that accepted the last derivation offered."""

    def place(self, request: Try, may_decline: bool) -> Decision:
        """Offer request to the builders best first. may_decline: a `# decline` is welcome (a local slot is free
        and the local weight allows it); otherwise the derivation is postponed when no builder takes it."""
        begun = time.monotonic()
        inputs = input_paths(request.drv_path)
        scores, left_out, kept = self.ledger.schedule(
            lambda placed, state: self._assess(request, inputs, placed, state)
        )
        seen = Seen(scores, left_out, (time.monotonic() - begun) * 1000, kept)
        tried: list[str] = []
        for score in scores:
            answer = self._offer(request, score)  # asked even when this build fills it: a slot may have freed
            if answer == "accept":
                return self._taken(request, score, seen, tried, inputs)
            if answer == "down":
                tried.append(f"{score.name} did not connect")
            elif not score.free:  # the best host is full: wait for it rather than copy to the next
                self._note_wait(request.drv_path, score.name)
                said = f"waits for a slot on {score.name}" if not may_decline else f"{score.name} is full: built here"
                self._log(request, None, f"{said}; {why(score, scores, left_out)}", seen)
                return Decision("decline" if may_decline else "postpone", None, said)
            else:
                tried.append(f"{score.name} was busy")
        type_ok = bool(scores) or any(not r.startswith(NEVER) for _, r in left_out)
        if not type_ok and not may_decline:
            reply, said = "decline", "no builder can build it"
        else:
            reply = "decline" if may_decline else "postpone"
            reasons = [*tried, *(named(n, r) for n, r in left_out)]
            said = ("built here: " if may_decline else "waits: ") + ("; ".join(reasons) or "no builder")
        self._log(request, None, said, seen)
        return Decision(reply, None, said)

    def _offer(self, request: Try, score: Score) -> str:
        """Ask the real hook narrowed to score's host: "accept" (self.accepted_hook then holds it), "busy" (it
        postponed or declined) or "down" (it did not connect; passed over for DOWN_FOR seconds)."""
        hook = self._hook(score.name)
        if not hook.send(Try(False, request.system, request.drv_path, request.features).encode()):
            self._drop(score.name)
            return "down"
        reply = hook.relay_reply()
        if reply == "accept":
            self.accepted_hook = hook
            return "accept"
        if reply is None or any(b"cannot build on" in line for line in hook.said):
            self._mark_down(score.name)
            self._drop(score.name)
            return "down"
        return "busy"

    def _taken(self, request: Try, score: Score, seen: Seen, tried: list[str], inputs: list[str]) -> Decision:
        """From here nothing may fail: the real hook holds the derivation."""
        reason = f"chosen by score ({score.finish:.1f} s)"
        try:
            reason = why(score, seen.scores, seen.left_out) + (f"; {', '.join(tried)}" if tried else "")
            if seen.kept and score is seen.scores[0]:
                reason += f"; {seen.kept}"
            self._book(request, score, inputs)
        except Exception:  # bookkeeping lost, build kept
            reason += "; bookkeeping failed"
        self._log(request, score.name, reason, seen)
        return Decision("accept", score.name, reason, self.accepted_hook)

    def finished(self, drv_path: str, ok: bool) -> None:
        """The accepted build has ended (the real hook exited): its duration feeds the work estimate, less the
        time its outputs took to come back (their bytes over the host's bandwidth): a derivation never built
        before is expected to build as long as the others did, not to copy back what one of them made."""
        now = time.time()
        back = sum(path_bytes(p, limit=OUTPUT_ENTRIES) for p in output_paths(drv_path)) if ok else 0

        def change(_: Placed, state: dict[str, Any]) -> None:
            run = state.get("runs", {}).get(drv_path)
            if isinstance(run, list) and len(run) >= 4:
                run[2], run[3] = now, ok
                rate = read_bandwidth(self.ledger.folder).get(run[0], BANDWIDTH) if back else BANDWIDTH
                run[5:] = [round(back / rate, 3)] if len(run) >= 5 else []

        self.ledger.schedule(change)

    def close_others(self, keep: str | None) -> None:
        """Let every idle real hook but keep's exit (they read end-of-file and leave)."""
        for name in [n for n in self.hooks if n != keep]:
            self._drop(name)

    def _hook(self, name: str) -> RealHook:
        hook = self.hooks.get(name)
        if hook is None:
            host = next(h for h in self.config.hosts if h.name == name)
            hook = RealHook(self.config.real_hook, self.tail, self.out)
            hook.start(encode_settings({**self.settings, "builders": host.line}))
            self.hooks[name] = hook
        return hook

    def _drop(self, name: str) -> None:
        hook = self.hooks.pop(name, None)
        if hook is not None:
            hook.wait()

    def _assess(
        self, request: Try, inputs: list[str], placed: Placed, state: dict[str, Any]
    ) -> tuple[list[Score], list[tuple[str, str]], str]:
        now = time.time()
        runs: dict[str, list[Any]] = state.setdefault("runs", {})
        waiting: dict[str, list[Any]] = state.setdefault("waiting", {})
        waiting.pop(request.drv_path, None)
        for drv in [d for d, (_, since) in waiting.items() if now - since > WAIT_FORGOTTEN]:
            del waiting[drv]
        has = {host: set(paths) for host, paths in state.get("has", {}).items()}
        sizes: dict[str, int] = state.setdefault("size", {})
        placed_somewhere = set().union(*has.values()) if has else set()
        for path in inputs:
            if path in placed_somewhere and path not in sizes:
                sizes[path] = path_bytes(path)
        done = [built(r) for r in runs.values() if r[2] is not None and r[3]]
        work = median(done[-MAX_RUNS:]) if done else DEFAULT_WORK
        running = self._running(placed, runs, work)
        queue: dict[str, int] = {}
        for host, _ in waiting.values():
            queue[host] = queue.get(host, 0) + 1
        situation = Situation(
            now=now,
            has=has,
            size=lambda p: sizes.get(p, 0),
            running=running,
            waiting=queue,
            loads=read_loads(self.config.loads, now) if self.config.loads else {},
            down=state.get("down", {}),
            work=work,
            known=self.durations.of(drv_name(request.drv_path)),
            pace=self.durations.of(ANY),
            bandwidths=read_bandwidth(self.ledger.folder),
        )
        scores, left_out = rank(self.config.hosts, request.system, request.features, inputs, situation)
        kept = ""
        if (
            scores
            and scores[0].free
            and (rivals := self.lookahead.rivals(request.drv_path, request.system, set(placed)))
        ):
            hosts = {h.name: h for h in self.config.hosts}
            entries = self.lookahead.entries
            scores, kept = keep_for_rivals(
                scores,
                hosts,
                rivals,
                situation,
                known_of=lambda d: self.durations.of(drv_name(d)),
                name_of=drv_name,
                system=request.system,
                required_of=lambda d: entries[d].features,
            )
        return scores, left_out, kept

    @staticmethod
    def _running(placed: Placed, runs: dict[str, list[Any]], work: float) -> dict[str, list[tuple[float, float]]]:
        """Host -> (start, expected seconds) of the derivations it builds for this build (output locks held)."""
        held = held_locks()
        running: dict[str, list[tuple[float, float]]] = {}
        for drv, (where, locks) in placed.items():
            if not where.startswith(REMOTE_AT) or not locks:
                continue
            if held is not None and any(is_held(lock, held) for lock in locks):
                run = runs.get(drv) or []
                started, expected = time.time(), work
                if len(run) >= 4 and run[2] is None:  # [host, start, end, ok, expected seconds]
                    started, expected = run[1], run[4] if len(run) > 4 else work
                running.setdefault(where[len(REMOTE_AT) :], []).append((started, expected))
            else:
                placed[drv] = (where, ())
        return running

    def _book(self, request: Try, score: Score, inputs: list[str]) -> None:
        """Record an accepted derivation: its slot on the host, its start, and the paths the host now has."""
        self.ledger.schedule(lambda placed, state: self._accepted(request, score, inputs, placed, state))

    def _accepted(self, request: Try, score: Score, inputs: list[str], placed: Placed, state: dict[str, Any]) -> None:
        host = score.name
        placed[request.drv_path] = (REMOTE_AT + host, output_locks(request.drv_path))
        state.setdefault("runs", {})[request.drv_path] = [host, time.time(), None, False, round(score.work, 3)]
        state.setdefault("waiting", {}).pop(request.drv_path, None)
        there = state.setdefault("has", {}).setdefault(host, [])
        known = set(there)
        there += [p for p in [*inputs, *output_paths(request.drv_path)] if p not in known]
        runs = state["runs"]
        while len(runs) > MAX_RUNS * 4:
            runs.pop(next(iter(runs)))

    def _note_wait(self, drv_path: str, host: str) -> None:
        def change(_: Placed, state: dict[str, Any]) -> None:
            state.setdefault("waiting", {})[drv_path] = [host, time.time()]

        self.ledger.schedule(change)

    def _mark_down(self, host: str) -> None:
        def change(_: Placed, state: dict[str, Any]) -> None:
            state.setdefault("down", {})[host] = time.time() + DOWN_FOR

        self.ledger.schedule(change)

    def _log(self, request: Try, host: str | None, reason: str, seen: Seen) -> None:
        """One JSON line in placements.jsonl (O_APPEND, one write: lines of concurrent hooks never interleave)."""
        import json

        record = {
            "drv": request.drv_path,
            "host": host,
            "why": reason,
            "at": time.time(),
            "decided_ms": round(seen.decided_ms, 3),
            "scores": [s.as_json() for s in seen.scores],
            "left_out": [{"host": n, "why": r} for n, r in seen.left_out],
        }
        line = (json.dumps(record, separators=(",", ":")) + "\n").encode("utf-8", "surrogateescape")
        path = os.path.join(self.ledger.folder, PLACEMENTS)  # noqa: PTH118
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND | os.O_CLOEXEC, 0o644)
            try:
                os.write(fd, line)
            finally:
                os.close(fd)
        except OSError:
            pass  # the explanation is lost, the build is not
