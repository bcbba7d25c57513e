"""`nixswarm explain`: which builders could take a derivation, and which Nix would pick first; with --drv, every
builder's score from nixswarm's scheduler (inputs already there, live load, owners' limits)."""

from __future__ import annotations

import argparse

from nixswarm.cli.options import add_config_option


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the subcommand."""
    parser = sub.add_parser("explain", help="why Nix would or would not use each builder", description=__doc__)
    add_config_option(parser)
    what = parser.add_mutually_exclusive_group(required=True)
    what.add_argument("--system", help="the derivation's system, e.g. x86_64-linux")
    what.add_argument("--drv", metavar="PATH", help="a .drv: probe the builders and show each one's score for it")
    parser.add_argument("--features", help="its requiredSystemFeatures, comma-separated (--drv: read from the .drv)")
    parser.add_argument("--timeout", type=float, default=3.0, help="seconds each host gets to answer (--drv)")
    parser.add_argument("--json", action="store_true", help="print the scores as JSON (--drv)")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Nix's own eligibility and preference rules, or (--drv) the scheduler's scores, for the saved selection."""
    if args.drv:
        from nixswarm.cli.explain_drv_view import run_explain_drv

        return run_explain_drv(args)
    from nixswarm.cli import context
    from nixswarm.errors import ConnectionFailure
    from nixswarm.files.selection import resolve
    from nixswarm.model import validate
    from nixswarm.nix.eligibility import Candidate, judge, pick_order

    system = validate.system(args.system, "--system")
    required = validate.features(tuple(f for f in (args.features or "").split(",") if f), "--features")
    from nixswarm.store import paths
    from nixswarm.store.facts_file import load_facts

    facts = load_facts(paths.facts_file())  # systems and features from the last probe, where the config has none
    selected, skipped = resolve(context.settings_for(args), context.state(), facts=facts)
    candidates = [
        Candidate(
            name=s.entry.host.name,
            systems=s.entry.host.systems,
            supported_features=s.entry.host.features,
            mandatory_features=s.entry.host.mandatory_features,
            speed_factor=s.entry.choice.speed_factor,
            max_jobs=s.entry.max_jobs,
        )
        for s in selected
    ]
    verdicts = [judge(c, system, required) for c in candidates]
    eligible = [v.candidate for v in verdicts if v.reason is None]
    order = pick_order(eligible, integer_speed=True)
    for rank, c in enumerate(order, start=1):
        print(f"{rank}. {c.name}: eligible (speed factor {c.speed_factor:g}, {c.max_jobs} slot(s))")
    for v in verdicts:
        if v.reason:
            print(f"-  {v.candidate.name}: {v.reason}")
    for s in skipped:
        print(f"-  {s.name}: not offered to Nix: {s.reason}")
    if not order:
        raise ConnectionFailure(
            f"no selected builder can take a {system} derivation"
            + (f" requiring {', '.join(required)}" if required else "")
        )
    return 0
