"""The docs say what the code does: config keys, commands and options, environment variables, exit codes, links."""

from __future__ import annotations

import argparse
import re
import shlex
from pathlib import Path

import pytest

from nixswarm.cli.main import build_parser
from nixswarm.errors import ExitCode
from nixswarm.files.system_files import system_targets
from nixswarm.files.writer import user_targets
from nixswarm.store import paths
from nixswarm.store.settings_file import _DEFAULT_KEYS, _HOST_KEYS

REPO = Path(__file__).parents[2]
REFERENCE = REPO / "docs" / "configuration.md"
GUIDE = REPO / "docs" / "guide.md"
README = REPO / "README.md"
Command = tuple[str, ...]
"""A command as the words after `nixswarm`: () is the TUI, ("hosts", "add") a hosts action."""


def section(doc: Path, title: str) -> str:
    """The text under the `## title` heading, up to the next heading of that level."""
    text = doc.read_text(encoding="utf-8")
    match = re.search(rf"^## {re.escape(title)}\n(.*?)(?=^## |\Z)", text, re.MULTILINE | re.DOTALL)
    assert match, f"{doc.name} has no '## {title}' section"
    return match.group(1)


def first_cells(text: str) -> list[str]:
    """The first cell of every table row, without its backticks."""
    return [m.group(1) for m in re.finditer(r"^\| `?([^`|]+?)`? \|", text, re.MULTILINE)]


def commands(parser: argparse.ArgumentParser, path: Command = ()) -> dict[Command, argparse.ArgumentParser]:
    """Every command of the parser, nested ones too."""
    found = {path: parser}
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                found |= commands(sub, (*path, name))
    return found


def long_options(parser: argparse.ArgumentParser) -> set[str]:
    """The parser's own long options, less --help."""
    return {o for a in parser._actions for o in a.option_strings if o.startswith("--")} - {"--help"}


def has_subcommands(parser: argparse.ArgumentParser) -> bool:
    return any(isinstance(a, argparse._SubParsersAction) for a in parser._actions)


CODE = {path: long_options(p) for path, p in commands(build_parser()).items()}
RUNNABLE = [path for path, p in commands(build_parser()).items() if path == () or not has_subcommands(p)]


def documented_options() -> dict[Command, set[str]]:
    """The reference's option table: option, the commands that take it, meaning."""
    found: dict[Command, set[str]] = {}
    rows = re.findall(r"^\| `(--[a-z-]+)[^`]*` \| ([^|]+) \|", section(REFERENCE, "Command line"), re.MULTILINE)
    assert rows, "no option rows in the reference's command-line table"
    for option, cell in rows:
        names = (
            RUNNABLE
            if cell.strip() == "every command"
            else [tuple(word for word in name.split() if word != "nixswarm") for name in re.findall(r"`([^`]+)`", cell)]
        )
        assert names, f"the row of {option} names no command"
        for path in names:
            found.setdefault(tuple(path), set()).add(option)
    return found


def test_the_reference_documents_every_config_key_and_no_other() -> None:
    text = section(REFERENCE, "config.toml")
    documented = {k for k in first_cells(text) if k.startswith(("defaults.", "hosts.NAME."))}
    schema = {f"defaults.{k}" for k in _DEFAULT_KEYS} | {f"hosts.NAME.{k}" for k in _HOST_KEYS}
    assert (sorted(schema - documented), sorted(documented - schema)) == ([], []), "(undocumented, not in the schema)"


def test_the_reference_lists_each_commands_long_options_exactly() -> None:
    documented = documented_options()
    unknown = sorted(set(documented) - set(CODE))
    assert not unknown, f"the reference names commands nixswarm does not have: {unknown}"
    for path in RUNNABLE:
        listed, parsed = documented.get(path, set()), CODE[path]
        name = " ".join(("nixswarm", *path))
        assert listed == parsed, f"{name}: not in the reference {parsed - listed}, not in the parser {listed - parsed}"


def test_the_guide_shows_every_command() -> None:
    guide = GUIDE.read_text(encoding="utf-8")
    missing = [" ".join(("nixswarm", *p)) for p in RUNNABLE if p and f"nixswarm {' '.join(p)}" not in guide]
    assert not missing, f"docs/guide.md never shows {missing}"


def command_lines(doc: Path) -> list[str]:
    """`nixswarm ...` command lines of code blocks (after `$ ` or `sudo `) and of inline code spans."""
    text = doc.read_text(encoding="utf-8")
    blocks = re.findall(r"^```(?:sh|text)\n(.*?)^```$", text, re.MULTILINE | re.DOTALL)
    lines = [line for block in blocks for line in block.splitlines()]
    lines += re.findall(r"`((?:sudo )?nixswarm [^`]+)`", text)
    found = []
    for line in lines:
        words = re.sub(r"^(\$ |sudo |\.venv/bin/)+", "", line.strip())
        if words.startswith("nixswarm "):
            found.append(words.split(" # ", 1)[0].split("   #", 1)[0])
    return found


def invented_options(line: str) -> list[str]:
    """Options in a command line that its command does not take, or a command that does not exist."""
    parsers = commands(build_parser())
    words = shlex.split(line)[1:]
    path: Command = ()
    problems = []
    at = 0
    while at < len(words):
        word = words[at]
        name = word.split("=", 1)[0]
        parser = parsers[path]
        if word.startswith("-"):
            if path == ("build",):
                break  # what nixswarm does not know goes to nix build
            action = next((a for a in parser._actions if name in a.option_strings), None)
            if action is None:
                problems.append(f"{name} (nixswarm {' '.join(path)})".replace(" )", ")"))
            elif action.nargs != 0 and "=" not in word:
                at += 1
        elif has_subcommands(parser) and not word.isupper():
            if (*path, word) not in parsers:
                problems.append(f"command {' '.join((*path, word))}")
                break
            path = (*path, word)
        at += 1
    return problems


@pytest.mark.parametrize("doc", [GUIDE, README, REFERENCE], ids=lambda d: d.name)
def test_every_command_line_in_the_docs_uses_real_commands_and_options(doc: Path) -> None:
    lines = command_lines(doc)
    assert lines, f"no nixswarm command lines found in {doc.name}"
    wrong = {line: problems for line in lines if (problems := invented_options(line))}
    assert not wrong, f"{doc.name}: {wrong}"


def test_the_reference_lists_every_environment_variable_the_code_reads() -> None:
    read = r'(?:environ(?:\.get)?|\benv(?:\.get)?|_xdg)\s*[\(\[]\s*"([A-Z][A-Z0-9_]+)"|\bENV\s*=\s*"([A-Z][A-Z0-9_]+)"'
    names = {a or b for f in (REPO / "nixswarm").rglob("*.py") for a, b in re.findall(read, f.read_text())}
    assert {"XDG_CONFIG_HOME", "NIX_SSHOPTS", "NIX_REMOTE"} <= names  # the pattern still finds what it should
    documented = set(first_cells(section(REFERENCE, "Environment variables")))
    assert names - documented == set()


def test_the_reference_lists_the_exit_codes_of_the_code() -> None:
    documented = {int(c) for c in first_cells(section(REFERENCE, "Exit codes")) if c.isdigit()}
    assert documented == {int(code) for code in ExitCode}


def test_the_reference_names_every_file_nixswarm_writes() -> None:
    files = section(REFERENCE, "Files")
    written = [paths.config_file(), paths.state_file(), paths.facts_file(), paths.seen_file()]
    for targets in (user_targets(), system_targets()):
        written += [targets.machines, targets.ssh_config, targets.known_hosts, targets.control_dir or Path("/")]
    assert [p.name for p in written if p.name not in files] == []


def slug(heading: str) -> str:
    """GitHub's anchor of a heading."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


@pytest.mark.parametrize("doc", [GUIDE, README, REFERENCE], ids=lambda d: d.name)
def test_every_link_between_the_docs_reaches_a_file_and_heading(doc: Path) -> None:
    text = doc.read_text(encoding="utf-8")
    broken = []
    for target, anchor in re.findall(r"\]\(([^)#\s]*)(?:#([^)\s]+))?\)", text):
        if target.startswith(("http://", "https://")):
            continue
        linked = (doc.parent / target) if target else doc
        if not linked.is_file():
            broken.append(target)
            continue
        headings = re.findall(r"^#+ (.+)$", linked.read_text(encoding="utf-8"), re.MULTILINE)
        if anchor and anchor not in {slug(h) for h in headings}:
            broken.append(f"{target}#{anchor}")
    assert not broken, f"{doc.name} links to {broken}"
