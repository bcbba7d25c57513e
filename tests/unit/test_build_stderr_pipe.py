"""nix's stderr pipe is read to its end, in order, in few batches however many small writes fill it; a line or a
character split between reads comes whole; what goes wrong while reading stops nix and is raised."""

from __future__ import annotations

import asyncio
import os
import sys
import time

import pytest

from nixswarm.build import stderr_pipe
from nixswarm.build.runner import run_nix
from nixswarm.build.stderr_lines import StderrLines
from nixswarm.build.stderr_pipe import read_batches

WRITER = "import os, sys\nfor i in range(int(sys.argv[1])):\n    os.write(2, b'line %d\\n' % i)\n"
"""Writes each line with a write of its own, as nix does."""
SLEEPER = (
    "import os, signal, time\nsignal.signal(signal.SIGINT, signal.SIG_DFL)\nos.write(2, b'one\\n')\ntime.sleep(30)\n"
)
"""Says one line, then takes its time; Ctrl-C stops it (even where the tests run with SIGINT ignored)."""
MOST = 1 << 16


async def read_from(argv: list[str]) -> list[bytes]:
    chunks: list[bytes] = []
    read_end, write_end = stderr_pipe.stderr_pipe()
    try:
        proc = await asyncio.create_subprocess_exec(*argv, stderr=write_end)
        os.close(write_end)
        await read_batches(read_end, chunks.append, MOST)
        await proc.wait()
    finally:
        os.close(read_end)
    return chunks


def test_a_writer_of_many_small_lines_is_read_whole_in_few_batches() -> None:
    chunks = asyncio.run(read_from([sys.executable, "-c", WRITER, "20000"]))
    assert b"".join(chunks) == b"".join(b"line %d\n" % i for i in range(20000))
    assert len(chunks) < 2000  # not one wake-up per write
    assert all(len(chunk) <= MOST for chunk in chunks)


def test_a_pipe_that_stays_quiet_is_read_as_its_lines_come() -> None:
    script = "import os, time\nfor i in range(3):\n    os.write(2, b'%d\\n' % i)\n    time.sleep(0.2)\n"
    chunks = asyncio.run(read_from([sys.executable, "-c", script]))
    assert b"".join(chunks) == b"0\n1\n2\n" and len(chunks) >= 2  # not held back until the end


def test_a_pipe_is_as_large_as_the_system_lets_it_be() -> None:
    read_end, write_end = stderr_pipe.stderr_pipe()
    try:
        assert not os.get_blocking(read_end)
        assert stderr_pipe._capacity(read_end) >= 1 << 16
    finally:
        os.close(read_end)
        os.close(write_end)


def test_a_line_and_a_character_split_between_reads_come_whole() -> None:
    lines = StderrLines()
    text = "naïve\nça va\n".encode()
    cut = text.index("ï".encode()) + 1  # inside the two bytes of ï
    assert list(lines.feed_block(text[:cut])) == []
    assert lines.feed_block(text[cut:-4]).text == "naïve\n"
    assert lines.feed_block(text[-4:]).text == "ça va\n"
    assert lines.feed_block(b"no end").text == "" and list(lines.end_block()) == ["no end"]


def test_a_bad_byte_before_a_newline_is_replaced_once() -> None:
    lines = StderrLines()
    assert lines.feed_block(b"a\xe2\x82").text == ""
    assert lines.feed_block(b"\nb\n").text == "a\ufffd\nb\n"


def test_what_goes_wrong_with_the_lines_stops_nix_and_is_raised() -> None:
    def refuse(batch: object) -> None:
        raise ValueError("no")

    started = time.monotonic()
    with pytest.raises(ValueError, match="no"):
        asyncio.run(run_nix([sys.executable, "-c", SLEEPER], dict(os.environ), refuse))
    assert time.monotonic() - started < 10
