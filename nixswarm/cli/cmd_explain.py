"""`nixswarm explain`: which builders could take a derivation, and which Nix would pick first."""

from __future__ import annotations

import argparse

from nixswarm.cli.options import add_config_option


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the subcommand."""
    parser = sub.add_parser("explain", help="why Nix would or would not use each builder", description=__doc__)
    add_config_option(parser)
    parser.add_argument("--system", required=True, help="the derivation's system, e.g. x86_64-linux")
    parser.add_argument("--features", default="", help="its requiredSystemFeatures, comma-separated")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Apply Nix's own eligibility and preference rules to the saved selection."""
    from nixswarm.cli import context
    from nixswarm.errors import ConnectionFailure
    from nixswarm.files.selection import resolve
    from nixswarm.model import validate
    from nixswarm.nix.eligibility import Candidate, judge, pick_order

    system = validate.system(args.system, "--system")
    required = validate.features(tuple(f for f in args.features.split(",") if f), "--features")
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
            max_jobs=s.entry.choice.max_jobs,
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
