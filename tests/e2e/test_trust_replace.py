"""A reinstalled builder, for real: its new key is refused until `hosts trust --fingerprint NEW --replace`."""

from __future__ import annotations

from pathlib import Path

from tests.e2e.helpers import MakeLab, run_nixswarm
from tests.e2e.test_build import build, built_by, configure
from tests.lab import BuilderSpec


def test_a_changed_key_is_used_again_only_after_the_named_replace(make_lab: MakeLab, tmp_path: Path) -> None:
    lab = make_lab([BuilderSpec()])
    b1 = lab.builder("b1")
    configure(lab, tmp_path)
    old = b1.fingerprint()
    lab.replace_host_key(b1)
    new = b1.fingerprint()
    assert new != old
    refused = run_nixswarm(tmp_path, "hosts", "trust", "b1", "--fingerprint", new)
    assert refused.returncode == 2, refused.stderr
    assert f"approved {old}, now {new}" in refused.stderr
    assert f"nixswarm hosts trust b1 --fingerprint {new} --replace" in refused.stderr
    replaced = run_nixswarm(tmp_path, "hosts", "trust", "b1", "--fingerprint", new, "--replace")
    assert replaced.returncode == 0, replaced.stderr
    assert f"approved {new} for b1 (replacing {old})" in replaced.stdout
    done, nodes = build(lab, tmp_path, "--no-local", width=2, depth=1)
    assert done.returncode == 0, done.stderr[-3000:]
    assert built_by(lab, nodes) == {"b1"}
