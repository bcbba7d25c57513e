"""Keep a free slot for more urgent work: the longest chains go to the hosts where they finish soonest first.

Nix offers ready derivations in an order of its own, so a short one offered first would take the fastest free slot
and leave a long one, on the critical path, the slow host. Before a derivation takes its best free host, the
more urgent ready derivations (lookahead.py) are placed in thought, most urgent first, each on the free host where
it would finish soonest. The offered derivation then takes its best host that is still free. It keeps its own
best when every free slot went to a rival, or when the host left over is worse for it than waiting behind the
rival that keeps its best host.
"""

from __future__ import annotations

from nixswarm.hook.score import Score, Situation, score_host

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    from nixswarm.hook.hosts import HostInfo


def keep_for_rivals(
    scores: list[Score],
    hosts: Mapping[str, HostInfo],
    rivals: list[tuple[float, str]],
    s: Situation,
    *,
    known_of: Callable[[str], Mapping[str, float]],
    name_of: Callable[[str], str],
    system: str,
    required_of: Callable[[str], tuple[str, ...]],
) -> tuple[list[Score], str]:
    """scores (the offered derivation's ranking) with the host it should take first, and a note saying why when
    that is not its own best ("" otherwise). rivals: (priority, drv), most urgent first, all of system; a rival
    only takes a host that has every feature it requires (required_of)."""
    if not scores or not rivals or not scores[0].free:
        return scores, ""
    free = {sc.name: hosts[sc.name].slots - sc.running for sc in scores if sc.free and sc.name in hosts}
    kept_by: dict[str, tuple[str, float]] = {}
    for _, rival in rivals:
        if not any(left > 0 for left in free.values()):
            break
        required = required_of(rival)
        open_hosts = [hosts[n] for n, left in free.items() if left > 0 and hosts[n].refusal(system, required) is None]
        if not open_hosts:
            continue
        situation = s.knowing(known_of(rival))
        finishes = {h.name: score_host(h, (), situation) for h in open_hosts}
        best = min(open_hosts, key=lambda h: finishes[h.name].finish)
        free[best.name] -= 1
        kept_by.setdefault(best.name, (rival, finishes[best.name].work))
    top = scores[0]
    if free.get(top.name, 0) > 0 or top.name not in kept_by:
        return scores, ""
    rival, rival_work = kept_by[top.name]
    for i, sc in enumerate(scores):
        if sc.free and free.get(sc.name, 0) > 0:
            if sc.finish > top.finish + rival_work:  # waiting behind the rival would end sooner: stay
                return scores, ""
            note = f"{top.name} kept for {name_of(rival)} (longer chain)"
            return [sc, *scores[:i], *scores[i + 1 :]], note
    return scores, ""
