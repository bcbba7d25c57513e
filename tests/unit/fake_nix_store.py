"""A `nix-store` on PATH that answers `--query --size` from a table, and .drv files whose outputs it knows."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

SCRIPT = """#!{python}
import json, sys, time
from pathlib import Path
here = Path(__file__).parent
with open(here / "calls.jsonl", "a") as log:
    log.write(json.dumps(sys.argv[1:]) + "\\n")
table = json.loads((here / "sizes.json").read_text())
mode = (here / "mode").read_text().strip()
if mode == "hang":
    time.sleep(30)
if mode == "garbage":
    print("12 bytes")
    sys.exit(0)
if sys.argv[1:3] != ["--query", "--size"]:
    sys.exit(2)
for path in sys.argv[3:]:
    if path not in table:
        print(f"error: path '{{path}}' is not valid", file=sys.stderr)
        sys.exit(1)
print("".join(f"{{table[path]}}\\n" for path in sys.argv[3:]), end="")
"""


def store_path(name: str, letter: str = "a") -> str:
    """A store path of that name (its hash all one letter)."""
    return f"/nix/store/{letter * 32}-{name}"


def write_drv(folder: Path, name: str, outputs: dict[str, str]) -> str:
    """A .drv file in folder with these outputs (name -> store path); its path."""
    listed = ",".join(f'("{out}","{path}","","")' for out, path in outputs.items())
    drv = folder / f"{'d' * 32}-{name}.drv"
    drv.write_text(f'Derive([{listed}],[],[],"x86_64-linux","/bin/sh",["-c","true"],[("out","")])')
    return str(drv)


class FakeNixStore:
    """The fake's folder (first on PATH), its table of sizes, what it should do, and the calls it got."""

    def __init__(self, folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)
        script = folder / "nix-store"
        script.write_text(SCRIPT.format(python=sys.executable))
        script.chmod(0o755)
        self.sizes({})
        self.mode("answer")
        monkeypatch.setenv("PATH", f"{folder}:/usr/bin:/bin")

    def sizes(self, table: dict[str, int]) -> None:
        """The NAR size of each path it knows (others are not valid)."""
        (self.folder / "sizes.json").write_text(json.dumps(table))

    def mode(self, how: str) -> None:
        """answer, hang (30 s), or garbage (a line that is no number)."""
        (self.folder / "mode").write_text(how)

    def calls(self) -> list[list[str]]:
        """The arguments of each call, in order."""
        log = self.folder / "calls.jsonl"
        return [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []
