"""The scheduler's look ahead: the plan file, and which ready derivations are more urgent than the one offered."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from nixswarm.build import lookahead_file
from nixswarm.build.lookahead_file import plan_entries, write_lookahead
from nixswarm.hook.durations import ANY
from nixswarm.hook.lookahead import FILE, MAX_DRVS, Entry, Lookahead, parse, render

X86, ARM = "x86_64-linux", "aarch64-linux"


def drv(c: str) -> str:
    return f"/nix/store/{c * 32}-{c}.drv"


A, B, C, D, E = (drv(c) for c in "abcde")


def test_the_file_reads_back_what_was_written_and_drops_malformed_lines() -> None:
    entries = {A: Entry(X86, 12.5, (), ("/o/a",)), B: Entry(ARM, 3.0, (A,), ("/o/b1", "/o/b2"), ("kvm", "nixos-test"))}
    bad = f"{C}\t{X86}\tnan\t\t/o/c\t\n{D}\t{X86}\t-1\t\t/o/d\t\n{E}\t{X86}\t1\t\t/o/e\n"  # the last: 5 fields
    data = render(entries) + b"not\ta\tline\n" + bad.encode()
    back = parse(data)
    assert sorted(back) == [A, B]
    assert (back[B].system, back[B].priority, back[B].inputs, back[B].outputs) == (ARM, 3.0, (A,), ("/o/b1", "/o/b2"))
    assert (back[A].inputs, back[A].features, back[B].features) == ((), (), ("kvm", "nixos-test"))
    assert [line.split(b"\t")[0].decode() for line in render({B: entries[B], A: entries[A]}).splitlines()] == [A, B]


def test_the_most_urgent_derivation_has_no_rivals_and_a_hook_parses_only_lines_before_its_own(tmp_path: Path) -> None:
    entries = {d: Entry(X86, p, (), (f"/nowhere/{p}",)) for d, p in ((A, 9.0), (B, 5.0), (C, 1.0))}
    ahead = plan(tmp_path, entries)
    assert ahead.rivals(A, X86, set()) == []
    assert set(ahead.entries) == {A}
    assert ahead.rivals(C, X86, set()) == [(9.0, A), (5.0, B)]
    assert set(ahead.entries) == {A, B, C}


def built_outputs(tmp_path: Path, *names: str) -> None:
    for name in names:
        (tmp_path / name).write_text("built")


def plan(tmp_path: Path, entries: dict[str, Entry]) -> Lookahead:
    (tmp_path / FILE).write_bytes(render(entries))
    return Lookahead(str(tmp_path))


def test_rivals_are_ready_unbuilt_unplaced_more_urgent_and_of_the_same_system(tmp_path: Path) -> None:

    def out(name: str) -> tuple[str]:
        return (str(tmp_path / name),)

    entries = {
        A: Entry(X86, 2.0, (), out("a")),  # the offered one
        B: Entry(X86, 9.0, (), out("b")),  # ready, more urgent: a rival
        C: Entry(X86, 8.0, (E,), out("c")),  # needs E, not built yet
        D: Entry(ARM, 7.0, (), out("d")),  # another system
        E: Entry(X86, 6.0, (), out("e")),  # ready and more urgent, but placed
        drv("f"): Entry(X86, 2.0, (), out("f")),  # as urgent as A: no rival
        drv("g"): Entry(X86, 5.0, (), out("g")),  # built already
    }
    built_outputs(tmp_path, "g")
    ahead = plan(tmp_path, entries)
    assert ahead.rivals(A, X86, {E}) == [(9.0, B)]
    assert ahead.rivals(A, X86, set()) == [(9.0, B), (6.0, E)]
    built_outputs(tmp_path, "e")  # E has been built: C is ready
    assert ahead.rivals(A, X86, set()) == [(9.0, B), (8.0, C)]
    assert ahead.rivals(drv("z"), X86, set()) == []  # not planned: no look ahead


def test_the_plan_is_read_again_when_it_changes_and_missing_means_none(tmp_path: Path) -> None:
    ahead = Lookahead(str(tmp_path))
    assert ahead.rivals(A, X86, set()) == []
    plan(tmp_path, {A: Entry(X86, 1.0, (), ("/nowhere/a",)), B: Entry(X86, 2.0, (), ("/nowhere/b",))})
    assert ahead.rivals(A, X86, set()) == [(2.0, B)]
    (tmp_path / FILE).write_bytes(render({A: Entry(X86, 1.0, (), ("/nowhere/a",))}) + b"\n" * 7)
    os.utime(tmp_path / FILE, ns=(1, 1))
    assert ahead.rivals(A, X86, set()) == []


def write_drv(folder: Path, name: str, inputs: list[str], system: str = X86, env: str = "") -> str:
    path = folder / f"{name}.drv"
    listed = ",".join(f'("{i}",["out"])' for i in inputs)
    path.write_text(f'Derive([("out","{folder}/{name}-out","","")],[{listed}],[],"{system}","/bin/sh",[],[{env}])')
    return str(path)


def test_a_derivation_s_priority_is_its_own_time_plus_the_longest_chain_that_needs_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(lookahead_file, "STORE_PATH", __import__("re").compile(f"{tmp_path}/.*"))
    lib = write_drv(tmp_path, "lib", [])
    app = write_drv(tmp_path, "app", [lib])
    doc = write_drv(tmp_path, "doc", [lib], env='("name","doc"),("requiredSystemFeatures","big-parallel kvm")')
    tool = write_drv(tmp_path, "tool", [])  # nothing known of it: the median of the known (4 s)
    times = {"lib": 2.0, "app": 5.0, "doc": 4.0}
    entries = plan_entries(
        [lib, app, doc, tool, str(tmp_path / "gone.drv")], lambda n, h: times.get(n) if h == ANY else None
    )
    assert {d: e.priority for d, e in entries.items()} == {lib: 7.0, app: 5.0, doc: 4.0, tool: 4.0}
    assert entries[app].inputs == (lib,)
    assert entries[app].outputs == (f"{tmp_path}/app-out",)
    assert entries[lib].system == X86
    assert (entries[doc].features, entries[lib].features) == (("big-parallel", "kvm"), ())
    assert write_lookahead(tmp_path, [lib, app], lambda n, h: None)
    assert sorted(line.split("\t")[0] for line in (tmp_path / FILE).read_text().splitlines()) == sorted([lib, app])
    assert not write_lookahead(tmp_path, [lib] * (MAX_DRVS + 1), lambda n, h: None)
