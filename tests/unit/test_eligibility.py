"""`nixswarm explain`'s verdicts: Nix's own rule for which machine may take a derivation, the scheduler's words."""

from __future__ import annotations

from nixswarm.hook.hosts import HostInfo
from nixswarm.nix.eligibility import Candidate, judge, pick_order

X86, ARM = "x86_64-linux", "aarch64-linux"


def machine(name: str = "b1", **fields: object) -> Candidate:
    values: dict[str, object] = {"systems": (X86,), "supported_features": (), "mandatory_features": (), **fields}
    return Candidate(name, **values)  # type: ignore[arg-type]


def test_each_refusal_names_what_is_missing() -> None:
    assert judge(machine(), ARM, ()).reason == f"does not build {ARM} (it builds: {X86})"
    assert judge(machine(systems=()), X86, ()).reason == f"does not build {X86} (it builds: none)"
    assert judge(machine(supported_features=("kvm",)), X86, ("kvm", "big-parallel")).reason == "lacks big-parallel"
    unmet = judge(machine(mandatory_features=("gpu",)), X86, ()).reason
    assert unmet == "takes only derivations requiring gpu"
    assert judge(machine(load=2, max_jobs=2), X86, ()).reason == "all 2 slot(s) busy"
    assert judge(machine(mandatory_features=("gpu",)), X86, ("gpu",)).reason is None


def test_a_builtin_derivation_may_go_to_any_machine_as_in_build_remote() -> None:
    assert judge(machine(systems=(ARM,)), "builtin", ()).reason is None


def test_the_verdicts_are_the_schedulers_own_words() -> None:
    cases = [((ARM,), (), (), X86, ()), ((X86,), ("kvm",), (), X86, ("big",)), ((X86,), (), ("gpu",), X86, ())]
    for systems, features, mandatory, system, required in cases:
        host = HostInfo("b1", "", systems=systems, features=features, mandatory=mandatory)
        said = judge(
            machine(systems=systems, supported_features=features, mandatory_features=mandatory), system, required
        )
        assert said.reason is not None and said.reason.startswith(str(host.refusal(system, required)))


def test_nix_prefers_the_least_load_per_speed_and_before_2_20_divides_whole_numbers() -> None:
    slow = machine("slow", load=1, speed_factor=1.0)
    fast = machine("fast", load=1, speed_factor=1.5)
    assert [c.name for c in pick_order([slow, fast], integer_speed=False)] == ["fast", "slow"]
    assert [c.name for c in pick_order([slow, fast], integer_speed=True)] == ["fast", "slow"]  # 1 // 2 = 0 < 1
    idle = machine("idle", load=0, speed_factor=1.0)
    assert [c.name for c in pick_order([fast, idle], integer_speed=False)] == ["idle", "fast"]
