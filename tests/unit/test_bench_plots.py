"""The benchmark plots are drawn from results.json alone, as real PNGs, skipping the sections it lacks."""

from __future__ import annotations

import struct
from pathlib import Path

import pytest

from bench.plots import PLOTS, link, main, render
from bench.results import Figures, read_results, write_results

pytest.importorskip("matplotlib", reason="the plots need the bench extra: pip install -e '.[test,bench]'")

SAMPLE: dict[str, Figures] = {
    "scan": {
        "rounds": 3,
        "targets": {"full": 1.5, "refresh": 0.5},
        "rows": [
            {"builders": 1, "naive": [0.21, 0.23, 0.29], "full": [0.09, 0.13, 0.27], "refresh": [0.008, 0.009, 0.009]},
            {"builders": 10, "naive": [0.82, 0.84, 0.87], "full": [0.36, 0.37, 0.41], "refresh": [0.05, 0.056, 0.06]},
            {"builders": 30, "naive": [1.7, 2.3, 2.8], "full": [1.03, 1.05, 1.12], "refresh": [0.16, 0.17, 0.17]},
        ],
    },
    "build": {
        "rounds": 3,
        "target": 1.3,
        "seconds": {
            "plain nix": [2.3, 2.5, 2.8],
            "plain nix + ControlMaster": [1.1, 1.2, 1.9],
            "nixswarm build": [1.2, 1.26, 1.7],
        },
        "dead_selection": [2.0, 2.1, 2.2],
        "blackhole_first_plain": 135.3,
        "startup": [0.054, 0.058, 0.087],
        "textual_imported": False,
    },
    "versions": {
        "rounds": 3,
        "machine": "vm",
        "cores": 2,
        "date": "2026-12-01",
        "load": 0.12,
        "clients": [
            {
                "nix": "2.8.0",
                "python": "3.11.7",
                "seconds": {"plain nix": [2.6, 2.7, 2.9], "nixswarm build": [1.3, 1.4, 1.5]},
            },
            {
                "nix": "2.34.8",
                "python": "3.14.10",
                "seconds": {"plain nix": [2.2, 2.3, 2.4], "nixswarm build": [1.5, 1.6, 1.8]},
            },
        ],
    },
    "weight": {
        "rounds": 2,
        "width": 12,
        "cases": {
            "Nix's own (no weight)": {"seconds": [5.0, 5.2], "local": [4, 4]},
            "prefer-local": {"seconds": [4.1, 4.3], "local": [4, 5]},
            "50%": {"seconds": [5.6, 5.8], "local": [6, 6]},
            "remote-only": {"seconds": [8.0, 8.2], "local": [0, 0]},
        },
    },
    "transport": {
        "size_mib": 256,
        "rounds": 2,
        "baseline": "nixswarm",
        "seconds": {
            "nixswarm": [1.1, 1.2],
            "nixswarm's, Ciphers chacha20-poly1305@openssh.com": [1.5, 1.6],
            "OpenSSH defaults": [1.4, 1.5],
            "OpenSSH defaults + Compression yes": [5.6, 5.9],
        },
    },
    "tui": {
        "rounds": 3,
        "hosts": 200,
        "targets": {"first_frame_s": 0.5, "update_ms": 16.0},
        "first_frame_s": {"new process": [0.47, 0.5, 0.55], "imports warm": [0.14, 0.16, 0.2]},
        "update_ms": [13.0 + (n % 7) / 3 for n in range(60)],
        "worst_message_ms": 1.8,
    },
    "soak": {"scans": 200, "scans_complete": 200, "builds": 50, "builds_ok": 50},
    "placement": {
        "rounds": 2,
        "busy_graph": [6, 2, 1],
        "small_graph": [8, 3, 0],
        "clients": [
            {
                "nix": "2.8.0",
                "decided_ms": [9.5, 11.0, 19.4, 30.1],
                "locality": {
                    "Nix's own": {"sent": [844e6, 850e6], "seconds": [6.4, 8.6]},
                    "scheduler": {"sent": [422e6, 212e6], "seconds": [7.0, 7.3]},
                },
                "busy": {
                    "Nix's own": {"busy": [4, 4], "seconds": [3.2, 3.0]},
                    "scheduler": {"busy": [0, 0], "seconds": [7.7, 7.6]},
                },
                "small": {"Nix's own": {"seconds": [1.9, 1.8]}, "scheduler": {"seconds": [2.5, 2.4]}},
            }
        ],
    },
    "eta": {
        "rounds": 3,
        "goal_at_half": 0.15,
        "far": {"host": "b1", "delay_s": 0.1, "warm": 2},
        "eta": {
            "errors": {
                "first": {"0.25": [0.3, 0.35, None], "0.5": [0.2, 0.22, 0.25], "0.75": [0.1, 0.12, 0.15]},
                "second": {"0.25": [0.04, 0.05, 0.06], "0.5": [0.03, 0.04, 0.05], "0.75": [0.02, 0.03, 0.04]},
            },
            "seconds": {"first": [17.0, 17.5, 18.0], "second": [16.8, 17.1, 17.4]},
        },
        "makespan": {
            "cases": {
                "Nix's own hook (--placement nix)": {"seconds": [30.1, 31.0, 32.2], "far": [8, 8, 8]},
                "duration-guided (nixswarm)": {"seconds": [25.3, 26.0, 26.4], "far": [3, 4, 4]},
            },
            "warm_seconds": [31.0, 30.5],
            "warm_far": [8, 8],
        },
    },
}


def _png_size(path: Path) -> tuple[int, int]:
    """Width and height from the IHDR chunk; fails unless path starts like a PNG."""
    head = path.read_bytes()[:24]
    assert head[:8] == b"\x89PNG\r\n\x1a\n", f"{path.name} is not a PNG"
    assert head[12:16] == b"IHDR", f"{path.name} does not start with IHDR"
    width, height = struct.unpack(">II", head[16:24])
    return width, height


def test_every_plot_is_drawn_as_a_real_png(tmp_path: Path) -> None:
    written = render(SAMPLE, tmp_path)
    assert sorted(p.name for p in written) == sorted(f"{name}.png" for name in PLOTS)
    for path in written:
        width, height = _png_size(path)
        assert 400 <= width <= 3000 and 250 <= height <= 2000, (path.name, width, height)
        assert path.stat().st_size > 10_000, f"{path.name} is nearly empty"


def test_a_section_missing_from_the_results_is_skipped(tmp_path: Path) -> None:
    only_build = {"build": SAMPLE["build"]}
    assert [p.name for p in render(only_build, tmp_path)] == ["build.png"]
    assert [p.name for p in tmp_path.iterdir()] == ["build.png"]


def test_the_markdown_links_each_plot_next_to_it() -> None:
    assert link("transport") == f"![{PLOTS['transport'].title}](bench/transport.png)"


def test_bench_plots_draws_again_from_results_json_alone(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write_results(tmp_path, {"tui": SAMPLE["tui"]})
    assert read_results(tmp_path) == {"tui": SAMPLE["tui"]}
    main(["--folder", str(tmp_path)])
    assert sorted(p.name for p in tmp_path.glob("*.png")) == ["tui_first_frame.png", "tui_updates.png"]
    assert "wrote" in capsys.readouterr().out


def test_bench_plots_refuses_a_folder_without_figures(tmp_path: Path) -> None:
    with pytest.raises(SystemExit) as refused:
        main(["--folder", str(tmp_path)])
    assert refused.value.code == 2
