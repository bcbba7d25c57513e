"""The builders the scheduler places work on: the policy's `hosts` entries, validated, and who may take what."""

from __future__ import annotations

import pytest

from nixswarm.hook.hosts import HostError, HostInfo, parse_host, parse_hosts

LINE = "ssh-ng://nixswarm-b1 x86_64-linux - 4 2 kvm,big big c3NoLWVkMjU1MTk="


def entry(**changes: object) -> dict[str, object]:
    good: dict[str, object] = {
        "name": "b1",
        "line": LINE,
        "systems": ["x86_64-linux", "i686-linux"],
        "features": ["kvm"],
        "mandatory": ["big"],
        "slots": 4,
        "speed": 2.5,
        "cores": 8,
        "max_load": 6,
        "load": 0.25,
    }
    return {**good, **changes}


def host(
    systems: tuple[str, ...] = ("x86_64-linux",),
    features: tuple[str, ...] = (),
    mandatory: tuple[str, ...] = (),
) -> HostInfo:
    return HostInfo("b1", LINE, systems=systems, features=features, mandatory=mandatory)


def test_a_good_entry_gives_every_field_typed() -> None:
    h = parse_host(entry())
    assert (h.name, h.line) == ("b1", LINE)
    assert h.systems == ("x86_64-linux", "i686-linux")
    assert (h.features, h.mandatory) == (("kvm",), ("big",))
    assert (h.slots, h.speed, h.cores) == (4, 2.5, 8)
    assert isinstance(h.slots, int) and isinstance(h.cores, int)
    assert (h.max_load, h.load) == (6.0, 0.25)


def test_missing_optional_fields_take_their_defaults() -> None:
    h = parse_host({"name": "b1", "line": LINE})
    assert (h.systems, h.features, h.mandatory) == ((), (), ())
    assert (h.slots, h.speed, h.cores, h.max_load, h.load) == (1, 1.0, 1, None, None)


def test_the_uri_is_the_first_column_of_the_line() -> None:
    assert parse_host(entry()).uri == "ssh-ng://nixswarm-b1"
    assert parse_host(entry(line="ssh://b1")).uri == "ssh://b1"


@pytest.mark.parametrize("name", ["b 1", "b1;rm -rf ~", "$(id)", "b1\n", "", "x" * 64, "bé", 7, None])
def test_a_name_that_is_not_a_host_name_is_refused(name: object) -> None:
    with pytest.raises(HostError, match="host name"):
        parse_host(entry(name=name))


@pytest.mark.parametrize("line", ["ssh://b1\nssh://b2 x86_64-linux", "ssh://b1\x1b[2J", " ssh://b1", "x" * 16385, 3])
def test_a_line_that_is_not_one_printable_machines_line_is_refused(line: object) -> None:
    with pytest.raises(HostError, match="b1: line must be one machines line"):
        parse_host(entry(line=line))


@pytest.mark.parametrize("key", ["systems", "features", "mandatory"])
@pytest.mark.parametrize("value", ["x86_64-linux", ["x86 64"], [""], ["a\tb"], [1], {"x86_64-linux": 1}])
def test_a_list_field_that_is_not_a_list_of_words_is_refused_by_name(key: str, value: object) -> None:
    with pytest.raises(HostError, match=f"b1: {key} must be a list of words"):
        parse_host(entry(**{key: value}))


@pytest.mark.parametrize(
    ("key", "value", "says"),
    [
        ("slots", 0, "b1: slots must be from 1 to"),
        ("slots", 1.5, "b1: slots must be a whole number"),
        ("slots", "4", "b1: slots must be a number"),
        ("slots", 1 << 17, "b1: slots must be from 1 to"),
        ("cores", 0, "b1: cores must be from 1 to"),
        ("cores", 2.0, "b1: cores must be a whole number"),
        ("speed", float("nan"), "b1: speed must be a finite number"),
        ("speed", float("inf"), "b1: speed must be a finite number"),
        ("speed", True, "b1: speed must be a number"),
        ("speed", 0, "b1: speed must be above 0"),
        ("max_load", -1, "b1: max_load must be from"),
        ("max_load", 0, "b1: max_load must be from"),
        ("max_load", False, "b1: max_load must be a number"),
        ("load", -0.5, "b1: load must be from"),
        ("load", float("-inf"), "b1: load must be a finite number"),
        ("load", 1e9, "b1: load must be from"),
    ],
)
def test_a_bad_number_is_refused_naming_the_host_and_field(key: str, value: object, says: str) -> None:
    with pytest.raises(HostError, match=says):
        parse_host(entry(**{key: value}))


def test_a_whole_number_too_big_for_a_float_is_a_host_error() -> None:
    for key in ("slots", "cores", "speed", "max_load", "load"):
        with pytest.raises(HostError, match=f"b1: {key} must be from"):
            parse_host(entry(**{key: 10**400}))


def test_an_entry_that_is_not_an_object_is_refused() -> None:
    with pytest.raises(HostError, match="JSON object"):
        parse_host(["b1", LINE])


def test_hosts_are_parsed_in_order() -> None:
    hosts = parse_hosts([entry(name="b2"), entry(name="b1")])
    assert [h.name for h in hosts] == ["b2", "b1"]
    assert parse_hosts([]) == ()


def test_two_hosts_of_one_name_are_refused() -> None:
    with pytest.raises(HostError, match="distinct names"):
        parse_hosts([entry(), entry(line="ssh://other")])


def test_hosts_that_are_not_a_list_are_refused() -> None:
    with pytest.raises(HostError, match="hosts must be a list"):
        parse_hosts({"b1": entry()})


def test_one_bad_host_fails_the_whole_list_naming_it() -> None:
    with pytest.raises(HostError, match="b2: slots"):
        parse_hosts([entry(), entry(name="b2", slots=0)])


def test_an_eligible_host_has_no_refusal() -> None:
    assert host().refusal("x86_64-linux", ()) is None
    assert host(features=("kvm",)).refusal("x86_64-linux", ("kvm",)) is None
    assert host(mandatory=("big",)).refusal("x86_64-linux", ("big",)) is None


def test_a_host_of_another_system_does_not_build_it() -> None:
    assert host().refusal("aarch64-linux", ()) == "does not build aarch64-linux"


def test_builtin_derivations_go_to_any_system() -> None:
    assert host(systems=("aarch64-linux",)).refusal("builtin", ()) is None


def test_a_missing_feature_is_named_sorted() -> None:
    assert host(features=("kvm",)).refusal("x86_64-linux", ("nixos-test", "kvm", "big")) == "lacks big, nixos-test"


def test_a_mandatory_feature_counts_as_offered() -> None:
    assert host(mandatory=("kvm",)).refusal("x86_64-linux", ("kvm",)) is None


def test_a_host_with_a_mandatory_feature_takes_only_what_requires_it() -> None:
    h = host(features=("kvm",), mandatory=("big", "gpu"))
    assert h.refusal("x86_64-linux", ()) == "takes only derivations requiring big, gpu"
    assert h.refusal("x86_64-linux", ("big",)) == "takes only derivations requiring gpu"
    assert h.refusal("x86_64-linux", ("big", "gpu", "kvm")) is None


def test_the_system_is_tested_before_the_features() -> None:
    assert host(mandatory=("big",)).refusal("aarch64-linux", ("kvm",)) == "does not build aarch64-linux"
