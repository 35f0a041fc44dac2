"""The plain data a sheet is made of: cells, charts and the sheet itself.

:mod:`workbook.layout` and :mod:`workbook.claims` both describe sheets with these, so neither
needs the other to say what a cell is.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from xlsxwriter.utility import xl_col_to_name


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


def column_letters(number: int) -> str:
    """Excel column letters of a 1-based column number (1 -> A, 27 -> AA)."""
    return xl_col_to_name(number - 1)


def why_missing(ref: str, values: str, rows: int = 4) -> list[Cell]:
    """A heading at ``ref`` and, below it, the distinct failure texts found in ``values``.

    Number formats print a failed value as a short ``#N/A`` so it never spills over its
    neighbours; the reasons are listed here instead, once per reason (a spilled array).

    Args:
        ref: Where the heading goes; the reasons spill from the cell below.
        values: One column of value cells, e.g. ``"B5:B21"``.
        rows: Cells below the heading formatted for reasons (the sheet keeps them empty).
    """
    column, row = ref.rstrip("0123456789"), int(ref.lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ"))
    failed = f'LEFT({values},5)="#N/A "'
    return [Cell(ref, f'=IF(SUMPRODUCT(({failed})*1)>0,"Shown as #N/A (the reason):","")', "note"),
            Cell(f"{column}{row + 1}", f'=UNIQUE(FILTER({values},{failed},""))', "reason"),
            *(Cell(f"{column}{r}", "", "reason") for r in range(row + 2, row + 1 + rows))]


def wrapped_lines(text: str, width: float, size: float = 11, mono: bool = False) -> int:
    """Lines a wrapped text takes in a column ``width`` characters wide, at font ``size``.

    Proportional text is narrower than the digit "0" a column width counts; monospaced wider.
    """
    per_line = max(int(width * (0.82 if mono else 1.15) * 11 / size) - 2, 1)
    lines, used = 1, 0
    for word in str(text).split():
        if used and used + 1 + len(word) > per_line:
            lines, used = lines + 1, 0
        used += len(word) + (1 if used else 0)
        while used > per_line:
            lines, used = lines + 1, used - per_line
    return lines
