"""A values-only copy of a workbook: formulas replaced by what they computed, plus provenance.

A colleague without Python opens the snapshot in any spreadsheet program: no macros, no formulas,
charts redrawn over the values, and a **Provenance** sheet naming every series used (source, URL,
last fetch, stale flag) and every cell's original formula. Nothing in it says where the author's
files, cache or home folder are: absolute paths are cut to a file name.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from pathlib import Path
from typing import Iterable, Mapping, Sequence

import xlsxwriter
from xlsxwriter.utility import xl_cell_to_rowcol

from addin.config import redact_url
from addin.report_xlsx import safe_text as strip_paths
from workbook import build, layout
from workbook.model import wrapped_lines

CONF_SHEET = "xlwings.conf"
EXCEL_ERRORS = {"#N/A", "#VALUE!", "#DIV/0!", "#REF!", "#NAME?", "#NUM!", "#NULL!", "#SPILL!"}
PROVENANCE_FIELDS = ("id", "description", "source", "url", "last_fetch", "stale")
_LITERAL = re.compile(r'"([^"]*)"')
_CELL = re.compile(r"^([A-Z]{1,3})(\d+)$")
Computed = Mapping[tuple[str, str], object]


def safe_text(text: str) -> str:
    """Cut absolute paths (and ``~/``) to their last part; a URL only loses any password."""
    if re.match(r"^[a-z][a-z0-9+.-]*://", text):  # http(s), redis ...
        return redact_url(text)
    return strip_paths(text)


def snapshot_values(template: Path | str | Sequence[layout.Sheet], computed: Computed,
                    provenance_rows: Iterable[Mapping], out_path: Path | str) -> Path:
    """Write ``out_path`` (.xlsx): every formula replaced by its computed value.

    Args:
        template: The template ``.xlsm`` or its sheets (:func:`workbook.layout.sheets`).
        computed: ``{(sheet, cell): value}`` for formula cells and every cell a table spilled to.
        provenance_rows: One mapping per series used (see :func:`provenance`).
        out_path: Where to write; the extension should be ``.xlsx``.
    """
    sheets = [s for s in _sheets(template) if s.name != CONF_SHEET]
    book = xlsxwriter.Workbook(str(out_path), {"strings_to_numbers": False,
                                               "strings_to_formulas": False, "nan_inf_to_errors": True})
    book.set_properties({"title": "jpflows snapshot (values only)", "author": "jpflows",
                         "comments": "Formulas replaced by values; see the Provenance sheet"})
    styles = {name: book.add_format(props) for name, props in layout.STYLES.items()}
    formulas = []
    for sheet in sheets:
        formulas += _write_sheet(book, sheet, computed, styles)
    _write_provenance(book, styles, list(provenance_rows), formulas, computed)
    book.close()
    return Path(out_path)


def _sheets(template) -> list[layout.Sheet]:
    if isinstance(template, (str, Path)):
        return read_template(Path(template))
    return list(template)


def read_template(path: Path) -> list[layout.Sheet]:
    """The sheets of a workbook file as layout data (charts and formats from the layout)."""
    import openpyxl

    known = {sheet.name: sheet for sheet in layout.sheets()}
    book = openpyxl.load_workbook(path, keep_vba=path.suffix.lower() == ".xlsm")
    sheets = []
    for page in book.worksheets:
        cells = tuple(layout.Cell(c.coordinate, _content(c.value)) for row in page.iter_rows()
                      for c in row if c.value is not None)
        model = known.get(page.title)
        sheets.append(layout.Sheet(page.title, cells, dict(model.widths) if model else {},
                                   model.charts if model else (), (),
                                   dict(model.formats) if model else {}))
    return sheets


def _content(value):
    text = getattr(value, "text", value)  # array formulas
    if isinstance(text, str) and text.startswith("="):
        return _FUTURE.sub("", text)  # the file's prefixes for newer functions, as Excel shows them
    return text


_FUTURE = re.compile(r"_xlfn\.(?:_xlws\.)?")


def _write_sheet(book, sheet: layout.Sheet, computed: Computed, styles) -> list[tuple]:
    """Write one sheet's constants and computed values; returns its (sheet, cell, formula, style)s."""
    page = book.add_worksheet(sheet.name)
    for column, width in sheet.widths.items():
        page.set_column(f"{column}:{column}", width)
    charted = _charted_cells(sheet)
    formulas = [(sheet.name, c.ref, c.content, c.style) for c in sheet.cells
                if _is_formula(c.content)]
    for cell in sheet.cells:
        style = styles.get(cell.style) if cell.style else _column_style(sheet, cell.ref, styles)
        _write_value(page, cell.ref, _shown(sheet.name, cell, computed), style, styles,
                     cell.ref in charted)
    written = {cell.ref for cell in sheet.cells}
    for (name, ref), value in computed.items():  # what tables spilled, and live values
        if name == sheet.name and ref not in written:
            _write_value(page, ref, value, _column_style(sheet, ref, styles), styles, ref in charted)
    model = _PRINTED.get(sheet.name, sheet)  # a live workbook's sheets carry no print settings
    for row, height in _heights(model, sheet.name, computed).items():
        page.set_row(row - 1, height)
    _add_charts(book, page, sheet, computed)
    build.page_setup(page, model)
    return formulas


_PRINTED = {sheet.name: sheet for sheet in layout.sheets()}
_WRAPPED = {name for name, props in layout.STYLES.items() if props.get("text_wrap")}


def _shown(sheet_name: str, cell: layout.Cell, computed: Computed):
    """A cell's value: computed for a formula, and for a formatted blank a table spilled into."""
    if _is_formula(cell.content) or cell.content in (None, ""):
        return computed.get((sheet_name, cell.ref))
    return cell.content


def _heights(model: layout.Sheet, sheet_name: str, computed: Computed) -> dict[int, float]:
    """Row heights that show every wrapped cell whole, now that the values are known."""
    heights = dict(model.heights)
    for cell in model.cells:
        if cell.style in _WRAPPED:
            text = _shown(sheet_name, cell, computed)
            look = layout.STYLES[cell.style]
            size = look.get("font_size", 11)
            width = model.widths.get(_CELL.match(cell.ref).group(1), 8.43)
            lines = wrapped_lines(str(text or ""), width, size, mono="font_name" in look)
            row = int(_CELL.match(cell.ref).group(2))
            heights[row] = max(heights.get(row, 15.0), 15.0 * lines * size / 11)
    return heights


def _is_formula(content) -> bool:
    return isinstance(content, str) and content.startswith("=")


def _column_style(sheet: layout.Sheet, ref: str, styles):
    column = _CELL.match(ref).group(1)
    return styles.get(sheet.formats.get(column)) if column in sheet.formats else None


def _write_value(page, ref: str, value, style, styles, charted: bool) -> None:
    """Write one value as a constant; an Excel error under a chart is left blank (not a zero)."""
    if isinstance(value, str) and (charted and value in EXCEL_ERRORS):
        value = None
    if value is None or value == "":
        page.write_blank(ref, None, style)
    elif isinstance(value, bool):
        page.write_boolean(ref, value, style)
    elif isinstance(value, (datetime, date)):
        page.write_datetime(ref, datetime(value.year, value.month, value.day),
                            style or styles["date"])
    elif isinstance(value, (int, float)):
        page.write_number(ref, value, style)
    elif isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        page.write_datetime(ref, datetime.strptime(value, "%Y-%m-%d"), style)
    else:
        page.write_string(ref, safe_text(str(value)), style)


def _charted_cells(sheet: layout.Sheet) -> set[str]:
    cells = set()
    for chart in sheet.charts:
        for series in chart.series:
            for span in (series.x, series.y):
                first, last = span.split(":")
                (r1, _), (r2, _) = xl_cell_to_rowcol(first), xl_cell_to_rowcol(last)
                column = _CELL.match(first).group(1)
                cells.update(f"{column}{r + 1}" for r in range(r1, r2 + 1))
    return cells


def _add_charts(book, page, sheet: layout.Sheet, computed: Computed) -> None:
    for chart in sheet.charts:
        extents = {span: _last_row(sheet.name, span, computed)
                   for series in chart.series for span in (series.x, series.y)}
        title = computed.get((sheet.name, chart.title_cell)) if chart.title_cell else None
        page.insert_chart(chart.anchor, build.make_chart(
            book, sheet.name, chart, extents, title=str(title) if title else None,
            dates=_date_span(sheet.name, chart, computed)))


def _date_span(sheet_name: str, chart: layout.Chart, computed: Computed):
    """(first, last) date serial the chart's series hold, or None when they hold none."""
    found = []
    for series in chart.series:
        first, last = series.x.split(":")
        column, top = _CELL.match(first).groups()
        found += [v for r in range(int(top), int(_CELL.match(last).group(2)) + 1)
                  if isinstance(v := computed.get((sheet_name, f"{column}{r}")), (int, float))
                  and not isinstance(v, bool)]
    return (min(found), max(found)) if found else None


def _last_row(sheet_name: str, span: str, computed: Computed) -> int:
    """Zero-based index of the last row in ``span`` holding a number or a date."""
    first, last = span.split(":")
    column, top = _CELL.match(first).groups()
    bottom = int(_CELL.match(last).group(2))
    rows = [r for r in range(int(top), bottom + 1) if isinstance(
        computed.get((sheet_name, f"{column}{r}")), (int, float, datetime, date))]
    return (max(rows) if rows else int(top)) - 1


def _write_provenance(book, styles, rows: list[Mapping], formulas: list[tuple],
                      computed: Computed) -> None:
    page = book.add_worksheet("Provenance")
    for columns, width in (("A:A", 22), ("B:B", 44), ("C:C", 70), ("D:D", 44), ("E:E", 18),
                           ("F:F", 8)):
        page.set_column(columns, width)
    page.write("A1", "Provenance: where every number comes from", styles["title"])
    page.write("A2", "A values-only copy: formulas were replaced by the values they computed.",
               styles["note"])
    credits = dict.fromkeys(r["attribution"] for r in rows if r.get("attribution"))
    if credits:  # the credit lines the publishers' terms ask for ("Source: Bank of Japan")
        page.write("A3", "; ".join(credits), styles["note"])
    page.write_row("A4", [f.replace("_", " ").capitalize() for f in PROVENANCE_FIELDS],
                   styles["head"])
    looks = {"id": "wrap", "description": "wrap", "source": "wrap", "url": "url",
             "last_fetch": "wrap", "stale": "bool"}
    for r, row in enumerate(rows, start=4):
        for c, field in enumerate(PROVENANCE_FIELDS):
            _write_value(page, f"{chr(65 + c)}{r + 1}", row.get(field), styles.get(looks.get(field)),
                         styles, False)
        page.set_row(r, 15.0 * max(wrapped_lines(str(row.get("description") or ""), 44),
                                   (wrapped_lines(str(row.get("url") or ""), 44, 8) + 1) * 8 / 11))
    top = len(rows) + 7
    page.write(f"A{top - 1}", f"Below: each of the {len(formulas)} formulas and its value (in the "
                              "file; the printed page shows the sources).", styles["note"])
    page.write_row(f"A{top}", ["Sheet", "Cell", "Original formula", "Value"], styles["head"])
    for r, (sheet, ref, formula, style) in enumerate(formulas, start=top + 1):
        page.write_string(f"A{r}", sheet)
        page.write_string(f"B{r}", ref)
        page.write_string(f"C{r}", safe_text(formula))
        value = computed.get((sheet, ref))
        _write_value(page, f"D{r}", value, styles.get(style), styles, False)
    build.page_setup(page, layout.Sheet("Provenance", (), print_area=f"A1:F{top - 1}"))


# -- which series a workbook uses, and where they come from ----------------------------------

HEDGE_FUNCTIONS = ("JP_HEDGED_SPREAD", "JP_HEDGE_COST")


def series_ids(formulas: Iterable[str]) -> list[str]:
    """Series and flow ids named in ``formulas`` (plus the hedge legs and USDJPY they imply)."""
    from addin import api
    from addin.errors import AddinError

    found: dict[str, None] = {}
    for formula in formulas:
        for literal in _LITERAL.findall(formula if "JP_" in formula else ""):
            for resolve in (api.spec, api.flow_spec):
                try:
                    found.setdefault(resolve(literal).id, None)
                    break
                except (AddinError, ValueError):
                    continue
        if any(name in formula for name in HEDGE_FUNCTIONS):
            found.update(dict.fromkeys(("SOFR", "TONA")))
        if "JP_FLOW" in formula and '"USD"' in formula:
            found.setdefault("USDJPY", None)
    return list(found)


def provenance(formulas: Iterable[str]) -> list[dict]:
    """One row per series used: id, description, source, URL, last fetch, stale (or the error)."""
    from addin import api
    from addin.errors import AddinError

    rows = []
    for series_id in series_ids(formulas):
        try:
            details = api.info(series_id)
        except AddinError as exc:
            details = {"id": series_id, "description": f"unavailable: {exc}", "stale": None}
        rows.append({field: _plain(details.get(field))
                     for field in (*PROVENANCE_FIELDS, "attribution")})
    return rows


def _plain(value):
    if isinstance(value, str):
        return safe_text(value)
    return value


def template_formulas(sheets: Sequence[layout.Sheet]) -> list[str]:
    """Every formula text of some sheets."""
    return [c.content for s in sheets for c in s.cells if _is_formula(c.content)]
