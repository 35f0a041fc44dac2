"""Write the template workbook from :mod:`workbook.layout`, reproducibly, with XlsxWriter.

The VBA project is built from sources (:mod:`workbook.vba`): xlwings' standalone module, the
``jpflows`` module whose two macros back the two buttons, and the JP_* wrappers. Document
properties carry a fixed date, so building twice gives the same bytes, and nothing in the file
depends on who built it, where, or when (``jpflows workbook new`` adds the interpreter of the
Python that ran it to the new workbook's ``xlwings.conf`` sheet).

    python -m workbook.build            # rewrites workbook/jpflows_template.xlsm
"""

from __future__ import annotations

import io
import re
import sys
from datetime import datetime
from pathlib import Path

import xlsxwriter
from xlsxwriter.utility import xl_cell_to_rowcol

from addin.errors import BadArgument
from workbook import layout, vba

HERE = Path(__file__).resolve().parent
TEMPLATE = HERE / f"{layout.ENTRY_MODULE}.xlsm"
ENTRY_SOURCE = HERE / f"{layout.ENTRY_MODULE}.py"
FIXED_DATE = datetime(2025, 8, 26)  # the seed note's date; never the build date
PROPERTIES = {"title": "jpflows template", "subject": "Japan's cross-border money in Excel",
              "author": "jpflows", "company": "", "comments": "Built by workbook/build.py",
              "created": FIXED_DATE}
BUTTON = {"width": 96, "height": 28}
_ISO = re.compile(r"^\d{4}-\d{2}-\d{2}$")
DYNAMIC = ("JP_", "FILTER(", "UNIQUE(")  # formulas written as dynamic arrays


def build(path: Path | str | None = None, module: str = layout.ENTRY_MODULE,
          interpreter: tuple[str, str] | None = None) -> Path:
    """Write the template to ``path`` (default ``workbook/jpflows_template.xlsm``).

    Args:
        path: Where to write the ``.xlsm``.
        module: The entry module's name, i.e. the workbook's file name without ``.xlsm``.
        interpreter: (xlwings key, path) of the Python the workbook's buttons run; None: the
            user's xlwings settings decide.

    Returns:
        The path written.
    """
    path = Path(path) if path is not None else TEMPLATE
    sheets = layout.sheets(module, interpreter)
    codenames = [f"Sheet{number}" for number in range(1, len(sheets) + 1)]
    project = vba.project(module, codenames)
    check_buttons(sheets, vba.module_sources(project)["jpflows"])
    book = xlsxwriter.Workbook(str(path), {"strings_to_numbers": False,
                                           "use_future_functions": True})
    book.set_properties(PROPERTIES)
    book.set_vba_name(vba.WORKBOOK_MODULE)
    book.add_vba_project(io.BytesIO(project), is_stream=True)
    styles = {name: book.add_format(props) for name, props in layout.STYLES.items()}
    for sheet, codename in zip(sheets, codenames):
        _write_sheet(book, sheet, styles, codename)
    for name, target in layout.NAMES.items():
        book.define_name(name, target)
    book.close()
    return path


def check_buttons(sheets, source: str) -> None:
    """Every button's macro exists and runs the entry module's function meant for it.

    Raises:
        LookupError: a button names a macro the VBA does not define, or one that runs another
            function than :data:`workbook.layout.BUTTONS` says.
    """
    found = vba.macros(source)
    for button in (b for sheet in sheets for b in sheet.buttons):
        macro, entry = layout.BUTTONS[button.caption]
        if f'PythonCall("{entry}")' not in found.get(macro, ""):
            raise LookupError(f"button {button.caption!r}: no macro {macro} running {entry}()")


def _write_sheet(book, sheet: layout.Sheet, styles: dict, codename: str) -> None:
    page = book.add_worksheet(sheet.name)
    page.set_vba_name(codename)
    for column, width in sheet.widths.items():
        page.set_column(f"{column}:{column}", width, styles.get(sheet.formats.get(column)))
    for column, style in sheet.formats.items():
        if column not in sheet.widths:
            page.set_column(f"{column}:{column}", None, styles[style])
    for row, height in sheet.heights.items():
        page.set_row(row - 1, height)
    for cell in sheet.cells:
        write_cell(page, cell, styles.get(cell.style) if cell.style else None)
    for button in sheet.buttons:
        page.insert_button(button.ref, {"macro": button.macro, "caption": button.caption, **BUTTON})
    for chart in sheet.charts:
        title = [sheet.name, *xl_cell_to_rowcol(chart.title_cell)] if chart.title_cell else None
        page.insert_chart(chart.anchor, make_chart(book, sheet.name, chart, title=title))
    page_setup(page, sheet)
    if sheet.name == "Dashboard":
        page.activate()


def page_setup(page, sheet: layout.Sheet) -> None:
    """Each sheet on one page, with its charts; the print area (if any) leaves helpers off it."""
    if sheet.portrait:
        page.set_portrait()
    else:
        page.set_landscape()
    page.set_paper(9)  # A4
    page.set_margins(left=0.4, right=0.4, top=0.5, bottom=0.5)
    page.fit_to_pages(1, 1)
    if sheet.print_area:
        page.print_area(sheet.print_area)


def write_cell(page, cell: layout.Cell, style) -> None:
    """One cell: a formula (dynamic when it calls a JP_* or array function), a date, or a constant."""
    content = cell.content
    if isinstance(content, str) and content.startswith("="):
        if any(name in content for name in DYNAMIC):
            # Dynamic arrays: tables spill, and scalars show without Excel's implicit "@".
            row, col = xl_cell_to_rowcol(cell.ref)
            page.write_dynamic_array_formula(row, col, row, col, content, style)
        else:
            page.write_formula(cell.ref, content, style)
    elif content is None or content == "":
        page.write_blank(cell.ref, None, style)  # a real blank, so ISBLANK() is TRUE
    elif isinstance(content, str) and _ISO.match(content):
        page.write_datetime(cell.ref, datetime.strptime(content, "%Y-%m-%d"), style)
    elif isinstance(content, str):
        page.write_string(cell.ref, content, style)
    elif isinstance(content, bool):
        page.write_boolean(cell.ref, content, style)
    else:
        page.write_number(cell.ref, content, style)


def make_chart(book, sheet_name: str, chart: layout.Chart, extents: dict | None = None,
               title: str | None = None, dates: tuple[float, float] | None = None):
    """A scatter chart with lines: empty or #N/A rows below a table are simply not drawn.

    Args:
        extents: Optional ``{range: last row}`` that shortens each range to the rows with data.
        title: The title's text, or ``[sheet, row, column]`` of the cell holding it (default
            ``chart.title``).
        dates: Optional (first, last) date serial: the date axis spans exactly the data.
    """
    made = book.add_chart({"type": "scatter", "subtype": "straight"})
    for series in chart.series:
        made.add_series({"name": series.name, "categories": _absolute(sheet_name, series.x, extents),
                         "values": _absolute(sheet_name, series.y, extents),
                         "line": {"width": 1.5}})
    made.set_title({"name": title or chart.title, "name_font": {"size": 10}})
    bounds = {"min": dates[0], "max": dates[1]} if dates else {}
    made.set_x_axis({"num_format": "mmm yy", "major_gridlines": {"visible": False},
                     "label_position": "low", **bounds})  # dates below a negative line too
    made.set_y_axis({"name": chart.y_title, "num_format": chart.y_format,
                     "major_gridlines": {"visible": True, "line": {"color": "#D9D9D9"}}})
    made.set_legend({"position": "bottom"} if len(chart.series) > 1 else {"none": True})
    made.set_size({"width": 500, "height": 300})
    return made


def _absolute(sheet_name: str, span: str, extents: dict | None) -> str:
    first, last = span.split(":")
    (r1, c1), (r2, c2) = xl_cell_to_rowcol(first), xl_cell_to_rowcol(last)
    if extents and span in extents:
        r2 = max(r1, extents[span])
    return [sheet_name, r1, c1, r2, c2]


def interpreter_entry(executable: str, platform: str) -> tuple[str, str] | None:
    """xlwings' ``xlwings.conf`` key for ``executable`` on ``platform``; None where Excel has none."""
    if platform.startswith("win"):
        return "Interpreter_Win", executable
    if platform.startswith("darwin"):
        return "Interpreter_Mac", executable
    return None


def new_workbook(name: str, directory: Path | str | None = None, executable: str | None = None,
                 platform: str | None = None) -> Path:
    """Create ``NAME.xlsm`` and its entry module ``NAME.py`` (xlwings names one after the other).

    The workbook's ``xlwings.conf`` sheet names the Python that runs this (``executable``), so
    its buttons use the interpreter that has jpflows installed, not whatever is on PATH.

    Raises:
        BadArgument: ``name`` is not a Python module name, or either file already exists.
    """
    name = Path(name).stem if name.lower().endswith(".xlsm") else name
    if not name.isidentifier():
        raise BadArgument(f"{name!r} must be a Python module name (letters, digits, _), "
                         "because Excel runs the module named after the workbook")
    folder = Path(directory) if directory is not None else Path.cwd()
    book, entry = folder / f"{name}.xlsm", folder / f"{name}.py"
    for path in (book, entry):
        if path.exists():
            raise BadArgument(f"{path.name} already exists; choose another name")
    build(book, module=name, interpreter=interpreter_entry(executable or sys.executable,
                                                           platform or sys.platform))
    entry.write_text(ENTRY_SOURCE.read_text(encoding="utf-8"), encoding="utf-8")
    return book


def main(argv: list[str] | None = None) -> int:
    import argparse

    parser = argparse.ArgumentParser(prog="python -m workbook.build",
                                     description="Write the template workbook reproducibly.")
    parser.add_argument("path", nargs="?", help="where to write it (default: the template's place)")
    print(build(parser.parse_args(argv).path))
    return 0


if __name__ == "__main__":
    sys.exit(main())
