"""The core imports no UI library; the command line loads Textual and Rich only for the TUI."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

UI = ("textual", "rich")
ROOT = Path(__file__).resolve().parents[2]

IMPORT_ALL = """
import importlib, pkgutil, sys
import nixswarm
names = [m.name for m in pkgutil.walk_packages(nixswarm.__path__, "nixswarm.")
         if m.name != "nixswarm.__main__" and not m.name.startswith("nixswarm.tui")]
for name in names:
    importlib.import_module(name)
print(len(names))
print(" ".join(sorted({m.split(".")[0] for m in sys.modules})))
"""

EVERY_HELP = """
import sys
from nixswarm.cli.main import main
commands = [[], ["scan"], ["build"], ["advertise"], ["hosts"], ["write"], ["explain"], ["doctor"]]
commands += [["hosts", a] for a in ("list", "add", "import", "trust", "forget", "enable", "disable")]
for argv in commands:
    try:
        main([*argv, "--help"])
    except SystemExit as done:
        assert done.code == 0, (argv, done.code)
print(" ".join(sorted({m.split(".")[0] for m in sys.modules})))
"""


def _python(code: str) -> list[str]:
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.splitlines()


def test_importing_every_core_module_loads_neither_textual_nor_rich() -> None:
    count, packages = _python(IMPORT_ALL)[-2:]
    assert int(count) >= 40  # the walk found the modules: model, nix, ssh, store, discovery, probe, cli...
    loaded = set(packages.split())
    assert "nixswarm" in loaded
    assert not loaded & set(UI), loaded & set(UI)


def test_the_help_of_every_subcommand_loads_neither_textual_nor_rich() -> None:
    loaded = set(_python(EVERY_HELP)[-1].split())
    assert "argparse" in loaded
    assert not loaded & set(UI), loaded & set(UI)


def test_nixswarm_build_help_run_as_the_installed_command_imports_neither_textual_nor_rich() -> None:
    script = Path(sys.executable).parent / "nixswarm"
    argv = [str(script)] if script.exists() else ["-m", "nixswarm"]
    done = subprocess.run(
        [sys.executable, "-X", "importtime", *argv, "build", "--help"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("usage: nixswarm build")
    imported = [line.rsplit("|", 1)[-1].strip() for line in done.stderr.splitlines() if line.startswith("import time:")]
    assert "nixswarm.cli.main" in imported  # the importtime report was read right
    assert not [m for m in imported if m.split(".")[0] in UI]
