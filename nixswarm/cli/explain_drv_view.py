"""What `nixswarm explain --drv` prints: each builder's estimate for one derivation, best first."""

from __future__ import annotations

import argparse
import json

from nixswarm.hook.score import DEFAULT_WORK, mib
from nixswarm.scan.explain_drv import DrvExplanation


def render(ex: DrvExplanation) -> str:
    """A table: rank, host, estimated finish, bytes to copy, input bytes already there, load, slots; then the rest."""
    head = f"{ex.drv}\n  {ex.system or '?'}" + (f", requires {', '.join(ex.features)}" if ex.features else "")
    lines = [head + f"; {len(ex.inputs)} input paths, {mib(ex.input_bytes)}", ""]
    lines.append(f"{'':4}{'host':16}{'finish':>9}{'to copy':>11}{'there':>11}{'load':>7}")
    for rank, s in enumerate(ex.scores, start=1):
        lines.append(
            f"{rank:>2}. {s.name:16}{s.finish:>7.1f} s{mib(s.copy_bytes):>11}{mib(s.have_bytes):>11}{s.load:>7.1f}"
        )
    for name, why in ex.left_out:
        lines.append(f" -  {name:16}{why}")
    if ex.scores:
        lines += ["", f"best: {ex.scores[0].name} (estimates assume a {DEFAULT_WORK:g} s build and no other work)"]
    return "\n".join(lines)


def as_json(ex: DrvExplanation) -> dict[str, object]:
    return {
        "drv": ex.drv,
        "system": ex.system,
        "features": list(ex.features),
        "inputs": len(ex.inputs),
        "input_bytes": ex.input_bytes,
        "scores": [s.as_json() for s in ex.scores],
        "left_out": [{"host": n, "why": w} for n, w in ex.left_out],
    }


def run_explain_drv(args: argparse.Namespace) -> int:
    """Probe, rank, print; 1 when no builder can take it."""
    import asyncio

    from nixswarm.cli import context
    from nixswarm.model import validate
    from nixswarm.scan.explain_drv import explain_drv

    features = None
    if args.features is not None:
        features = validate.features(tuple(f for f in args.features.split(",") if f), "--features")
    ex = asyncio.run(
        explain_drv(context.settings_for(args), context.state(), args.drv, features=features, timeout=args.timeout)
    )
    print(json.dumps(as_json(ex), indent=2) if args.json else render(ex))
    return 0 if ex.scores else 1
