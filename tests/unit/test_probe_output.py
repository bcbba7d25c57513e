"""Probe output is hostile: garbage, empty or huge output is reported, never a crash."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nixswarm.errors import ValidationError
from nixswarm.probe.parse_output import MAX_OUTPUT, parse_full, parse_live, split_sections
from nixswarm.probe.remote_script import FULL, REFRESH


def test_the_full_script_run_locally_gives_this_machines_facts() -> None:
    out = subprocess.run(["sh", "-s"], input=FULL, capture_output=True, text=True, check=True).stdout
    full = parse_full(split_sections(out))
    assert full is not None
    assert "x86_64-linux" in full.nix.systems
    assert str(full.nix.version).startswith("2.")
    assert full.has_nix_store
    assert full.live.cores >= 1
    assert full.live.mem_total_bytes > full.live.mem_available_bytes > 0
    assert full.live.store_free_bytes > 0


def test_the_refresh_script_reads_only_live_facts() -> None:
    assert "nix --version" not in REFRESH
    assert "show-config" not in REFRESH
    out = subprocess.run(["sh", "-s"], input=REFRESH, capture_output=True, text=True, check=True).stdout
    sections = split_sections(out)
    assert "version" not in sections
    assert parse_live(sections).cores >= 1


def test_a_host_without_nix_is_reported_as_such(tmp_path: Path) -> None:
    for tool in ("sh", "cat", "grep", "df", "tail", "nproc", "getconf"):
        found = shutil.which(tool)
        assert found is not None
        (tmp_path / tool).symlink_to(found)
    out = subprocess.run(
        ["sh", "-s"], input=FULL, capture_output=True, text=True, check=True, env={"PATH": str(tmp_path)}
    ).stdout
    assert parse_full(split_sections(out)) is None


@pytest.mark.parametrize(
    "text",
    [
        "",
        "garbage",
        "@@nixswarm:version\nnix (Nix) 2.8.0\n",  # no end marker: truncated
        "@@nixswarm:bogus\n@@nixswarm:end\n",
        "@@nixswarm:end\n@@nixswarm:end\n",
        "x" * (MAX_OUTPUT + 1),
    ],
)
def test_garbage_truncated_or_huge_output_is_a_validation_error(text: str) -> None:
    with pytest.raises(ValidationError):
        split_sections(text)


def test_a_config_section_that_is_not_json_is_a_validation_error() -> None:
    text = "@@nixswarm:version\nnix (Nix) 2.8.0\n@@nixswarm:config\n{not json\n@@nixswarm:end\n"
    with pytest.raises(ValidationError, match="nix config"):
        parse_full(split_sections(text))


def test_hostile_systems_in_the_config_are_refused() -> None:
    config = '{"system": {"value": "x86_64-linux; ProxyCommand x"}}'
    text = f"@@nixswarm:version\nnix (Nix) 2.8.0\n@@nixswarm:config\n{config}\n@@nixswarm:end\n"
    with pytest.raises(ValidationError, match="system"):
        parse_full(split_sections(text))


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.one_of(
            st.sampled_from(
                ["@@nixswarm:" + s for s in ("version", "config", "path", "nproc", "loadavg", "meminfo", "df", "end")]
            ),
            st.text(max_size=80),
            st.sampled_from(["nix (Nix) 2.8.0", "4", "0.5 0.1 0.1 1/2 3", "MemTotal: 100 kB", '{"system":1}']),
        ),
        max_size=30,
    )
)
def test_random_output_parses_or_raises_validation_error(lines: list[str]) -> None:
    try:
        sections = split_sections("\n".join(lines))
        parse_full(sections)
        parse_live(sections)
    except ValidationError:
        pass
