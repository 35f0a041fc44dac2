"""The plain data a sheet is made of: cells, charts and the sheet itself.

:mod:`workbook.layout` and :mod:`workbook.claims` both describe sheets with these, so neither
needs the other to say what a cell is.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Cell:
    ref: str
    content: object
    style: str | None = None
    spill: bool = False


@dataclass(frozen=True)
class Series:
    name: str
    x: str
    y: str


@dataclass(frozen=True)
class Chart:
    anchor: str
    title: str
    y_title: str
    series: tuple[Series, ...]
    y_format: str = "0.0"
    title_cell: str = ""  # a cell whose text (units and dates) replaces ``title`` when set


@dataclass(frozen=True)
class Sheet:
    name: str
    cells: tuple[Cell, ...]
    widths: dict[str, float] = field(default_factory=dict)
    charts: tuple[Chart, ...] = ()
    buttons: tuple = ()  # layout.Button
    formats: dict[str, str] = field(default_factory=dict)  # column -> style, for spilled cells
    print_area: str = ""  # what the one printed (or rendered) page shows; blank: the used range
    heights: dict[int, float] = field(default_factory=dict)  # 1-based row -> points
    portrait: bool = False


def block(first_row: int, rows: list[tuple], columns: str, styles: tuple = ()) -> list[Cell]:
    """Cells for a block of rows; ``None`` leaves a cell empty."""
    cells = []
    for r, row in enumerate(rows, start=first_row):
        for c, content in enumerate(row):
            if content is not None:
                style = styles[c] if c < len(styles) else None
                cells.append(Cell(f"{columns[c]}{r}", content, style))
    return cells
