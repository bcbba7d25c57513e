"""The live host table: rows keyed by host name, each drawn once per change (a load refresh repaints one row).

Textual's DataTable repaints every visible cell after any update; with 200 hosts refreshing every second that
costs tens of milliseconds a frame. Here a row is a cached Strip, invalidated only when its own cells change.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import ClassVar

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import events
from textual.binding import Binding, BindingType
from textual.geometry import Region, Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

Cells = tuple[Text, ...]
Column = tuple[str, str, int]
"""(key, header, width); width 0: the rest of the line."""
_GAP = 2
_MIN_LAST = 8


class HostGrid(ScrollView, can_focus=True):
    """A header line, then one line per row; up/down/page keys move the cursor, enter selects."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up", "cursor(-1)", "Up", show=False),
        Binding("down", "cursor(1)", "Down", show=False),
        Binding("pageup", "page(-1)", "Page up", show=False),
        Binding("pagedown", "page(1)", "Page down", show=False),
        Binding("home", "jump(0)", "First", show=False),
        Binding("end", "jump(-1)", "Last", show=False),
        Binding("enter", "select", "Details"),
    ]
    COMPONENT_CLASSES: ClassVar[set[str]] = {"host-grid--header", "host-grid--cursor", "host-grid--stripe"}
    DEFAULT_CSS = """
    HostGrid {
        height: 1fr;
        background: $surface;
        color: $foreground;
        & > .host-grid--header { background: $panel; color: $foreground; text-style: bold; }
        & > .host-grid--stripe { background: $surface-lighten-1 50%; }
        & > .host-grid--cursor {
            background: $block-cursor-blurred-background;
            color: $block-cursor-blurred-foreground;
        }
        &:focus > .host-grid--cursor {
            background: $block-cursor-background;
            color: $block-cursor-foreground;
            text-style: $block-cursor-text-style;
        }
        &:dark > .host-grid--stripe { background: $surface-darken-1 40%; }
    }
    """

    class Selected(Message):
        """Enter (or a click) on a row."""

        def __init__(self, key: str) -> None:
            super().__init__()
            self.key = key

    def __init__(self, columns: Sequence[Column], *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.columns = tuple(columns)
        self.keys: list[str] = []
        """Row keys, top to bottom."""
        self._index: dict[str, int] = {}
        self._cells: dict[str, Cells] = {}
        self._versions: dict[str, int] = {}
        self._cell_cache: dict[tuple[str | None, int], tuple[Text, int, Style, list[Segment]]] = {}
        self._strips: dict[str, tuple[tuple[object, ...], Strip]] = {}
        self._column: dict[str, int] = {key: i for i, (key, _, _) in enumerate(self.columns)}
        self._looks: dict[str, Style] = {}
        """The line styles, worked out once per style change (not once per line)."""
        self._dirty: set[int] = set()
        """Lines on screen to repaint at the next flush."""
        self._width_cache: tuple[int, list[int], int] = (-1, [], 0)
        """(width, column widths, line length) of the last width laid out."""
        self.cursor_row = 0

    # ---- data -----------------------------------------------------------------------------------------
    @property
    def row_count(self) -> int:
        return len(self.keys)

    @property
    def current(self) -> str | None:
        """The key of the row under the cursor."""
        return self.keys[self.cursor_row] if self.keys else None

    def has(self, key: str) -> bool:
        return key in self._index

    def index(self, key: str) -> int:
        """The row number of key (KeyError when it is not shown)."""
        return self._index[key]

    def cell(self, key: str, column: str) -> Text:
        """One cell, by row key and column key."""
        return self._cells[key][self._column[column]]

    def show(self, key: str, cells: Cells) -> None:
        """Add the row at the bottom, or replace its cells; only that line is drawn again."""
        if key not in self._index:
            self._index[key] = len(self.keys)
            self.keys.append(key)
            self._resize()
        self._cells[key] = cells
        self._versions[key] = self._versions.get(key, 0) + 1
        self._refresh_row(self._index[key])

    def show_cell(self, key: str, column: str, cell: Text) -> None:
        """Replace one cell of a shown row."""
        if key in self._cells:
            i = self._column[column]
            self.show(key, (*self._cells[key][:i], cell, *self._cells[key][i + 1 :]))

    def remove_row(self, key: str) -> None:
        """Take a row out."""
        if key in self._index:
            self.show_all([(k, self._cells[k]) for k in self.keys if k != key], self.current)

    def show_all(self, rows: Iterable[tuple[str, Cells]], keep: str | None) -> None:
        """Replace every row, keeping the cursor on keep when it is still there."""
        rows = list(rows)
        self.keys = [k for k, _ in rows]
        self._index = {k: i for i, k in enumerate(self.keys)}
        self._cells = dict(rows)
        self._versions = {k: self._versions.get(k, 0) + 1 for k in self._cells}
        self._strips = {}
        self._cell_cache = {k: v for k, v in self._cell_cache.items() if k[0] in self._cells}
        self.cursor_row = self._index.get(keep, 0) if keep is not None else 0
        self._clamp()
        self._resize()
        self.refresh()

    def move_cursor(self, row: int) -> None:
        """Put the cursor on row (clamped) and scroll it into view."""
        old = self.cursor_row
        self.cursor_row = row
        self._clamp()
        if old != self.cursor_row:
            self._refresh_row(old)
            self._refresh_row(self.cursor_row)
        self._scroll_to_cursor()

    # ---- drawing ----------------------------------------------------------------------------------------
    def _clamp(self) -> None:
        self.cursor_row = max(0, min(self.cursor_row, len(self.keys) - 1))

    def _resize(self) -> None:
        self.virtual_size = Size(self.size.width, len(self.keys) + 1)

    def _refresh_row(self, row: int) -> None:
        """Draw a row again, if it is on screen (a scroll draws the others); rows changed while one message is
        handled are refreshed together, once, before the next frame."""
        top = round(self.scroll_y)
        if top <= row < top + self.size.height:
            if not self._dirty:
                self.call_next(self.flush)
            self._dirty.add(row + 1 - top)

    def flush(self) -> None:
        """Ask Textual to repaint the rows changed since the last flush."""
        if self._dirty:
            width = max(self.virtual_size.width, self.size.width)
            self.refresh(*(Region(0, y, width, 1) for y in self._dirty))
            self._dirty.clear()

    def notify_style_update(self) -> None:
        self._looks = {}
        super().notify_style_update()

    def _look(self, name: str) -> Style:
        """`base` (the widget's own style) or the base plus a component's style."""
        look = self._looks.get(name)
        if look is None:
            base = self.rich_style
            look = self._looks[name] = base if name == "base" else base + self.get_component_rich_style(name)
        return look

    def _scroll_to_cursor(self) -> None:
        visible = max(1, self.scrollable_content_region.height - 1)
        top = round(self.scroll_y)
        if self.cursor_row < top:
            self.scroll_to(y=self.cursor_row, animate=False, immediate=True)
        elif self.cursor_row >= top + visible:
            self.scroll_to(y=self.cursor_row - visible + 1, animate=False, immediate=True)

    def _widths(self, width: int) -> tuple[list[int], int]:
        """Each column's width, and the cells a line takes; the last column takes the rest, so that a line is
        exactly `width` cells when it fits."""
        if self._width_cache[0] != width:
            fixed = sum(w + _GAP for _, _, w in self.columns if w)
            widths = [w or max(_MIN_LAST, width - 1 - fixed - _GAP) for _, _, w in self.columns]
            self._width_cache = (width, widths, 1 + sum(w + _GAP for w in widths))
        return self._width_cache[1], self._width_cache[2]

    def _line(self, key: str | None, cells: Sequence[Text], width: int, look: Style) -> list[Segment]:
        """The segments of a line, already in the row's look; each cell is rendered once per change (a load
        refresh renders one cell) and per look (stripe or not), so no line is restyled segment by segment."""
        segments = [Segment(" ", look)]
        gap = Segment(" " * _GAP, look)
        for i, (cell, cell_width) in enumerate(zip(cells, self._widths(width)[0], strict=True)):
            cached = self._cell_cache.get((key, i)) if key is not None else None
            if cached is not None and cached[0] is cell and cached[1] == cell_width and cached[2] is look:
                rendered = cached[3]
            else:
                shown = cell.copy()
                shown.truncate(cell_width, overflow="ellipsis", pad=True)
                console = self.app.console  # Text.render leaves out the text's own style: add it under the spans
                under = look + console.get_style(shown.style, default=None) if shown.style else look
                rendered = list(Segment.apply_style(shown.render(console), under))
                if key is not None:
                    self._cell_cache[(key, i)] = (cell, cell_width, look, rendered)
            segments += rendered
            segments.append(gap)
        return segments

    def _strip(self, key: str | None, cells: Sequence[Text], width: int, row: int | None) -> Strip:
        """A line: the widget's style under the cells, the cursor's over them (its colours must win)."""
        look = self._look("host-grid--header" if row is None else "host-grid--stripe" if row % 2 else "base")
        line = self._line(key, cells, width, look)
        drawn = self._widths(width)[1]
        strip = Strip(line, width) if drawn == width else Strip(line, drawn).crop_extend(0, width, look)
        if row == self.cursor_row:
            cursor = self.get_component_rich_style("host-grid--cursor")
            strip = Strip(list(Segment.apply_style(strip, post_style=cursor)), width)
        return strip

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        if y == 0:
            return self._strip(None, [Text(label) for _, label, _ in self.columns], width, None)
        row = y - 1 + round(self.scroll_y)
        if not 0 <= row < len(self.keys):
            return Strip.blank(width, self.rich_style)
        key = self.keys[row]
        cursor = row == self.cursor_row
        stamp = (self._versions[key], width, row % 2, cursor, cursor and self.has_focus, self.app.theme)
        cached = self._strips.get(key)
        if cached is not None and cached[0] == stamp:
            return cached[1]
        strip = self._strip(key, self._cells[key], width, row)
        self._strips[key] = (stamp, strip)
        return strip

    def on_resize(self) -> None:
        self._resize()

    def on_focus(self) -> None:
        self._refresh_row(self.cursor_row)

    def on_blur(self) -> None:
        self._refresh_row(self.cursor_row)

    def on_click(self, event: events.Click) -> None:
        row = event.y - 1 + round(self.scroll_y)
        if event.y >= 1 and 0 <= row < len(self.keys):
            self.move_cursor(row)
            if event.chain >= 2:
                self.action_select()

    # ---- actions -----------------------------------------------------------------------------------------
    def action_cursor(self, step: int) -> None:
        self.move_cursor(self.cursor_row + step)

    def action_page(self, step: int) -> None:
        self.move_cursor(self.cursor_row + step * max(1, self.scrollable_content_region.height - 1))

    def action_jump(self, row: int) -> None:
        self.move_cursor(row if row >= 0 else len(self.keys) - 1)

    def action_select(self) -> None:
        if self.current is not None:
            self.post_message(self.Selected(self.current))
