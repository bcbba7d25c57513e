"""A batch of nix's stderr lines folded into a Progress: runs of plain log lines in bulk, every other line parsed."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from nixswarm.build.line_block import block_text
from nixswarm.build.log_events import Event, build_log_line, parse_line
from nixswarm.build.log_runs import LogRun, log_parts
from nixswarm.build.progress import LOG_TAIL, Progress
from nixswarm.build.results import Change

__all__ = ["Logged", "Parsed", "fold_lines"]


@dataclass(frozen=True)
class Parsed:
    """A line parsed into an event, and what feeding it to the Progress changed."""

    event: Event | None
    """The line's event."""
    changes: list[Change]
    """What Progress.feed returned."""


@dataclass(frozen=True)
class Logged:
    """A builder's plain log lines of one activity, kept by the Progress without parsing."""

    activity: int
    """The activity the lines belong to."""
    texts: list[str]
    """Their texts, as their LogLines would carry them; empty unless every log line was asked for."""


def fold_lines(progress: Progress, lines: Sequence[str], *, every_log: bool = False) -> Iterator[Parsed | Logged]:
    """Feed the lines to progress, in order; what it made of them, in order. The same as parsing every line and
    feeding its event (a plain log line's LogLine), only faster: a plain log line is not parsed, and of a run of
    them Progress gets only what it keeps. every_log: Logged carries every such line's text."""
    text = block_text(lines)
    if text is None:  # a line with a newline of its own
        for line in lines:
            yield _line(progress, line, every_log)
        return
    for part in log_parts(text):
        if isinstance(part, str):
            yield _line(progress, part, every_log)
        else:
            yield from _run(progress, part, every_log)


def _line(progress: Progress, line: str, every_log: bool) -> Parsed | Logged:
    log = build_log_line(line)
    if log is not None and progress.keep_log(*log):
        return Logged(log[0], [log[1]] if every_log else [])
    event = parse_line(line)
    return Parsed(event, progress.feed(event))


def _run(progress: Progress, run: LogRun, every_log: bool) -> Iterator[Parsed | Logged]:
    """The first line as one by itself (Nix may have counted builds it names), then the rest in bulk: a build keeps
    only its last LOG_TAIL lines."""
    texts = run.texts() if every_log else run.texts(first=1, last=LOG_TAIL)
    kept = progress.keep_log(run.activity, texts[0])
    if not kept:
        event = parse_line(run.first_line())
        yield Parsed(event, progress.feed(event))
    for text in texts[max(1, len(texts) - LOG_TAIL) :]:
        progress.keep_log(run.activity, text)  # nothing waits to be named now: it keeps it
    if every_log and (shown := texts if kept else texts[1:]):
        yield Logged(run.activity, shown)
