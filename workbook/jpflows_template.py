"""The workbook's Python entry module (xlwings runs the module named after the workbook).

Each button has its own macro (``workbook/jpflows.bas``), and each macro runs its own function here:

* **Refresh** runs :func:`refresh_button`: revalidate every source with its publisher, then
  recalculate, with progress in the status bar;
* **Snapshot** runs :func:`snapshot_button`: save ``<workbook> snapshot YYYY-MM-DD.xlsx`` beside
  the workbook: values only, no macros, plus a Provenance sheet, for colleagues without Python.

Setting xlwings' "UDF Modules" to this module registers the ``JP_*`` functions, hence the import.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from udfs import *  # noqa: F401,F403  (registers the JP_* functions with xlwings)


def refresh_button() -> None:
    """What the Refresh button runs: :func:`refresh` on the workbook that called."""
    import xlwings as xw

    refresh(xw.Book.caller())


def snapshot_button() -> None:
    """What the Snapshot button runs: :func:`snapshot` of the workbook that called."""
    import xlwings as xw

    snapshot(xw.Book.caller())


def refresh(book) -> dict[str, str]:
    """Revalidate every source (progress in the status bar), then recalculate the workbook."""
    from addin import api

    def progress(done: int, total: int, name: str) -> None:
        book.app.status_bar = f"jpflows: refreshing {name} ({done + 1} of {total})"

    try:
        outcome = api.refresh(progress)
        recalculate_all(book)
    finally:
        book.app.status_bar = False  # hand the status bar back to Excel
    failed = [name for name, result in outcome.items() if result != "OK"]
    if failed:
        book.app.status_bar = f"jpflows: stale or failed: {', '.join(failed)[:200]}"
    return outcome


def recalculate_all(book) -> None:
    """Recompute every formula, not only dirty ones.

    The JP_* functions are non-volatile and their arguments have not changed, so a plain
    recalculation would leave the old numbers in place after new data arrived.
    """
    excel = book.app.api
    for full in ("CalculateFull", "calculate_full"):  # Windows COM, then macOS AppleScript
        method = getattr(excel, full, None)
        if callable(method):
            method()
            return
    book.app.calculate()


def snapshot(book) -> Path:
    """Save a values-only copy beside the workbook and say where in the status bar."""
    from workbook import snapshot as snap

    sheets, computed = live_contents(book)
    out = Path(book.fullname).with_name(f"{Path(book.name).stem} snapshot {date.today():%Y-%m-%d}.xlsx")
    snap.snapshot_values(sheets, computed, snap.provenance(snap.template_formulas(sheets)), out)
    book.app.status_bar = f"jpflows: snapshot saved as {out.name}"
    return out


def live_contents(book):
    """The sheets' formulas (as layout data) and every value Excel computed."""
    from workbook import layout

    known = {sheet.name: sheet for sheet in layout.sheets()}
    sheets, computed = [], {}
    for page in book.sheets:
        cells = _read_used_range(page, computed)
        model = known.get(page.name)
        sheets.append(layout.Sheet(page.name, tuple(cells), dict(model.widths) if model else {},
                                   model.charts if model else (), (),
                                   dict(model.formats) if model else {}))
    return sheets, computed


def _read_used_range(page, computed: dict) -> list:
    """Formula cells of one sheet; every non-empty value goes into ``computed``."""
    from workbook import layout

    used = page.used_range
    formulas, values = _grid(used.formula), _grid(used.options(ndim=2).value)
    cells = []
    for r, (formula_row, value_row) in enumerate(zip(formulas, values)):
        for c, (formula, value) in enumerate(zip(formula_row, value_row)):
            ref = _ref(used.row + r, used.column + c)
            if formula not in (None, ""):
                cells.append(layout.Cell(ref, formula))
            if value is not None:
                computed[(page.name, ref)] = value
    return cells


def _grid(values) -> list[list]:
    """xlwings gives a scalar for one cell and a flat list for one row: always rows of cells."""
    if not isinstance(values, (list, tuple)):
        return [[values]]
    if values and not isinstance(values[0], (list, tuple)):
        return [list(values)]
    return [list(row) for row in values]


def _ref(row: int, column: int) -> str:
    from xlsxwriter.utility import xl_rowcol_to_cell

    return xl_rowcol_to_cell(row - 1, column - 1)
