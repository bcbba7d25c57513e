"""What a derivation needs on its builder (its .drv file's inputs), and what copying a store path costs."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from nixswarm.hook import drvinputs
from nixswarm.hook.drvfile import DrvError
from nixswarm.hook.drvinputs import input_paths, output_paths, parse_inputs
from nixswarm.hook.sizes import path_bytes

H1, H2, H3, H4, H5 = (c * 32 for c in "1abcz")  # Nix base32 has no e, o, t or u
STORE = "/nix/store"


def aterm(
    outputs: list[tuple[str, str]],
    inputs: list[tuple[str, list[str]]],
    sources: list[str],
    *,
    hash_algo: str = "",
    args: tuple[str, ...] = ("-c", "x"),
) -> bytes:
    def s(text: str) -> str:
        return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'

    def strings(items: list[str] | tuple[str, ...]) -> str:
        return "[" + ",".join(s(i) for i in items) + "]"

    outs = ",".join(f"({s(n)},{s(p)},{s(hash_algo)},{s('')})" for n, p in outputs)
    ins = ",".join(f"({s(d)},{strings(names)})" for d, names in inputs)
    env = f"[({s('name')},{s('x')}),({s('q')},{s(chr(34) + '])' + chr(92))})]"
    text = f"Derive([{outs}],[{ins}],{strings(sources)},{s('x86_64-linux')},{s('/bin/sh')},{strings(args)},{env})"
    return text.encode()


GOOD = (
    b'Derive([("out","/nix/store/' + H1.encode() + b'-x","","")],'
    b'[("/nix/store/' + H2.encode() + b'-a.drv",["out","dev"]),("/nix/store/' + H3.encode() + b'-b.drv",["out"])],'
    b'["/nix/store/' + H4.encode() + b'-src"],"x86_64-linux","/bin/sh",["-c","echo \\"]) \\\\ ("],'
    b'[("name","x"),("q","\\"],[")])'
)
SOURCES_END = GOOD.index(b'-src"]') + len(b'-src"]')


def test_the_inputs_of_a_derivation_are_read_from_its_aterm() -> None:
    drvs, sources = parse_inputs(GOOD)
    assert drvs == [(f"{STORE}/{H2}-a.drv", ["out", "dev"]), (f"{STORE}/{H3}-b.drv", ["out"])]
    assert sources == [f"{STORE}/{H4}-src"]


def test_brackets_and_escaped_quotes_inside_the_outputs_do_not_end_them() -> None:
    data = aterm([("out", f"{STORE}/{H1}-x")], [(f"{STORE}/{H2}-a.drv", ["out"])], [], hash_algo='r:sha256"])(,[')
    assert parse_inputs(data) == ([(f"{STORE}/{H2}-a.drv", ["out"])], [])


def test_escaped_characters_in_names_are_unescaped() -> None:
    data = aterm([("out", "")], [(f"{STORE}/{H2}-a.drv", ['o"ut', "d\\ev"])], [f'{STORE}/{H4}-s"rc'])
    assert parse_inputs(data) == ([(f"{STORE}/{H2}-a.drv", ['o"ut', "d\\ev"])], [f'{STORE}/{H4}-s"rc'])


def test_a_derivation_without_inputs_has_none() -> None:
    assert parse_inputs(aterm([("out", f"{STORE}/{H1}-x")], [], [])) == ([], [])


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"Derive(",
        b"DrvWithVersion(",
        b"{}",
        b'Derive([("out","/nix/store/x","","")]',
        b'Derive([("out","/nix/store/x","","")],["/a"],[],',
        b'Derive([("out","/nix/store/x","","")],[("/a.drv","out")],[],',
        b'Derive([("out","/nix/store/x","","")],[("/a.drv" ["out"])],[],',
        b'Derive([],[],[/nix/store/src],"x")',
        b'Derive([],[],["/unterminated]',
    ],
)
def test_what_is_not_a_derivation_is_a_drv_error(data: bytes) -> None:
    with pytest.raises(DrvError):
        parse_inputs(data)


def test_every_truncation_before_the_sources_end_is_a_drv_error() -> None:
    for end in range(SOURCES_END):
        with pytest.raises(DrvError):
            parse_inputs(GOOD[:end])
    assert parse_inputs(GOOD[:SOURCES_END])[1] == [f"{STORE}/{H4}-src"]


def test_a_missing_or_unreadable_drv_has_no_input_paths(tmp_path: Path) -> None:
    assert input_paths(str(tmp_path / "absent.drv")) == []
    assert output_paths(str(tmp_path / "absent.drv")) == []
    garbage = tmp_path / "garbage.drv"
    garbage.write_bytes(b"Derive([garbage")
    assert input_paths(str(garbage)) == []
    assert output_paths(str(garbage)) == []


def test_only_store_paths_are_input_paths(tmp_path: Path) -> None:
    drv = tmp_path / "x.drv"
    src = f"{STORE}/{H4}-src"
    drv.write_bytes(aterm([("out", f"{STORE}/{H1}-x")], [(f"{STORE}/{H2}-absent.drv", ["out"])], [src, "/etc/passwd"]))
    assert input_paths(str(drv)) == [src]  # sources are not opened; an input drv that cannot be read is skipped
    assert output_paths(str(drv)) == [f"{STORE}/{H1}-x"]


@pytest.fixture
def store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A folder that input_paths takes for the store."""
    pattern = re.escape(str(tmp_path)) + r"/[0-9a-df-np-sv-z]{32}-[A-Za-z0-9+\-._?=]{1,211}"
    monkeypatch.setattr(drvinputs, "STORE_PATH", re.compile(pattern))
    return tmp_path


def test_input_paths_are_the_sources_and_the_wanted_outputs_of_input_derivations(store: Path) -> None:
    a_out, a_dev, a_doc = (f"{store}/{H2}-a{suffix}" for suffix in ("", "-dev", "-doc"))
    a = store / f"{H2}-a.drv"
    a.write_bytes(aterm([("out", a_out), ("dev", a_dev), ("doc", a_doc)], [], []))
    floating = store / f"{H3}-b.drv"
    floating.write_bytes(aterm([("out", "")], [], []))
    outside = f"/elsewhere/{H5}-c"
    c = store / f"{H5}-c.drv"
    c.write_bytes(aterm([("out", outside)], [], []))
    src = f"{store}/{H4}-src"
    x = store / f"{H1}-x.drv"
    inputs = [
        (str(a), ["out", "dev"]),
        (str(floating), ["out"]),
        (str(c), ["out"]),
        (f"{store}/{H5}-gone.drv", ["out"]),
    ]
    x.write_bytes(aterm([("out", f"{store}/{H1}-x")], inputs, [src, "/etc/passwd"]))
    assert input_paths(str(x)) == [src, a_out, a_dev]
    assert output_paths(str(a)) == [a_out, a_dev, a_doc]
    assert output_paths(str(floating)) == []
    assert output_paths(str(c)) == []


def test_a_wanted_output_the_input_derivation_lacks_is_left_out(store: Path) -> None:
    a = store / f"{H2}-a.drv"
    a.write_bytes(aterm([("out", f"{store}/{H2}-a")], [], []))
    x = store / f"{H1}-x.drv"
    x.write_bytes(aterm([("out", f"{store}/{H1}-x")], [(str(a), ["out", "lib"])], []))
    assert input_paths(str(x)) == [f"{store}/{H2}-a"]


def test_a_tree_costs_its_files_and_its_links_targets(tmp_path: Path) -> None:
    root = tmp_path / "pkg"
    (root / "bin").mkdir(parents=True)
    (root / "bin" / "tool").write_bytes(b"x" * 1000)
    (root / "README").write_bytes(b"hello")
    (root / "share").mkdir()
    outside = tmp_path / "big"
    outside.write_bytes(b"y" * 100_000)
    (root / "share" / "link").symlink_to(outside)  # counted as its target's length, not followed
    (root / "empty").mkdir()
    assert path_bytes(str(root)) == 1000 + 5 + len(str(outside))


def test_a_file_costs_its_size_and_a_missing_path_nothing(tmp_path: Path) -> None:
    (tmp_path / "f").write_bytes(b"abc")
    assert path_bytes(str(tmp_path / "f")) == 3
    assert path_bytes(str(tmp_path / "absent")) == 0
    (tmp_path / "dangling").symlink_to("abcdefg")
    assert path_bytes(str(tmp_path / "dangling")) == 7
