"""The host grid paints each row once per change, keeps the cells' own colours, and moves like a table."""

from __future__ import annotations

from collections.abc import Sequence

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.app import App, ComposeResult
from textual.geometry import Region

from nixswarm.tui.widgets.host_grid import HostGrid

COLUMNS = (("name", "Name", 8), ("load", "Load", 6), ("status", "Status", 0))


class GridApp(App[None]):
    def __init__(self) -> None:
        super().__init__()
        self.selected: list[str] = []

    def compose(self) -> ComposeResult:
        yield HostGrid(COLUMNS)

    def on_mount(self) -> None:
        grid = self.query_one(HostGrid)
        for n in range(30):
            grid.show(f"h{n}", (Text(f"h{n}"), Text(f"{n}.0"), Text("ok", style="#ff0000")))
        grid.focus()

    def on_host_grid_selected(self, event: HostGrid.Selected) -> None:
        self.selected.append(event.key)


def _colours(grid: HostGrid, y: int) -> set[str]:
    return {seg.style.color.name for seg in grid.render_line(y) if seg.style and seg.style.color}


async def test_a_cells_own_colour_survives_in_the_painted_line() -> None:
    app = GridApp()
    async with app.run_test(size=(60, 12)):
        grid = app.query_one(HostGrid)
        assert "#ff0000" in _colours(grid, 3)
        assert grid.render_line(0).text.split() == ["Name", "Load", "Status"]


async def test_a_change_to_one_row_paints_only_that_row_again() -> None:
    app = GridApp()
    async with app.run_test(size=(60, 12)) as pilot:
        grid = app.query_one(HostGrid)
        for y in range(12):
            grid.render_line(y)
        painted: list[str | None] = []
        line = grid._line

        def counted(key: str | None, cells: Sequence[Text], width: int, look: Style) -> list[Segment]:
            painted.append(key)
            return line(key, cells, width, look)

        grid._line = counted  # type: ignore[method-assign]
        grid.show_cell("h3", "load", Text("9.0"))
        for y in range(12):
            grid.render_line(y)
        assert [k for k in painted if k is not None] == ["h3"]
        assert "9.0" in grid.render_line(4).text
        await pilot.pause()


async def test_the_keys_move_the_cursor_and_enter_selects_the_row() -> None:
    app = GridApp()
    async with app.run_test(size=(60, 12)) as pilot:
        grid = app.query_one(HostGrid)
        await pilot.press("down", "down")
        assert grid.current == "h2"
        await pilot.press("end")
        assert grid.current == "h29"
        assert grid.scroll_y > 0  # the cursor row was scrolled into view
        await pilot.press("pageup", "home", "up")
        assert grid.current == "h0"
        await pilot.press("down", "enter")
        await pilot.pause()
        assert app.selected == ["h1"]


async def test_a_click_moves_the_cursor_and_a_double_click_selects() -> None:
    app = GridApp()
    async with app.run_test(size=(60, 12)) as pilot:
        grid = app.query_one(HostGrid)
        await pilot.click(HostGrid, offset=(5, 3))
        assert grid.current == "h2"
        await pilot.click(HostGrid, offset=(5, 4), times=2)
        await pilot.pause()
        assert app.selected == ["h3"]


async def test_a_row_changed_out_of_view_asks_for_no_repaint_yet_shows_its_new_cells_when_scrolled_to() -> None:
    app = GridApp()
    async with app.run_test(size=(60, 12)) as pilot:
        grid = app.query_one(HostGrid)
        await pilot.pause()
        asked: list[Region] = []
        refresh = grid.refresh

        def counted(*regions: Region, **options: bool) -> HostGrid:
            asked.extend(regions)
            return refresh(*regions, **options)

        grid.refresh = counted  # type: ignore[method-assign]
        grid.show_cell("h25", "load", Text("7.5"))
        grid.show_cell("h2", "load", Text("3.5"))
        grid.show_cell("h4", "load", Text("4.5"))
        grid.flush()
        # h2 and h4 are on screen (line 0 is the header), asked for together; h25 is not
        assert sorted(r.y for r in asked) == [3, 5] and all(r.height == 1 for r in asked)
        await pilot.press("end")
        await pilot.pause()
        lines = [grid.render_line(y).text for y in range(grid.size.height)]
        assert any("h25" in line and "7.5" in line for line in lines)


async def test_a_theme_change_repaints_rows_in_the_new_colours() -> None:
    app = GridApp()
    async with app.run_test(size=(60, 12)) as pilot:
        grid = app.query_one(HostGrid)
        before = next(iter(grid.render_line(2))).style
        app.theme = "textual-light" if app.theme != "textual-light" else "textual-dark"
        await pilot.pause()
        after = next(iter(grid.render_line(2))).style
        assert before is not None and after is not None and before.bgcolor != after.bgcolor
