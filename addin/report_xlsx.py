"""``jpflows report --xlsx PATH``: the monitor as a values-only workbook with charts.

One sheet, **Monitor**, lists every section as the terminal shows it (a section that could not be
computed shows its reason); a **Chart data** sheet holds the numbers the charts draw. No formulas,
no macros, and no absolute paths: anyone can open it.
"""

from __future__ import annotations

import math
import re
from datetime import datetime
from pathlib import Path, PureWindowsPath

import xlsxwriter

from addin.text import clean

FORMATS = {"ratio": "0.0%", "%": "0.000", "pp": "0.000", "JPY bn": "#,##0.0", "USD bn": "#,##0.0",
           "pts": "#,##0.00", "JPY": "0.00"}
# (chart title, unit, which lines): lines are picked by unit and a word in the label.
CHARTS = (
    ("Net buying, year to date (JPY bn)", "JPY bn", lambda line: line.unit == "JPY bn"
     and "year to date" in line.label),
    ("Rally from the 1-year low", "ratio", lambda line: line.unit == "ratio"),
    ("Yields (%)", "%", lambda line: line.unit == "%"),
)
AXIS_NAMES = {"ratio": "% above the low", "%": "%", "JPY bn": "JPY bn"}
LABELS = {"ratio": "0.0%", "%": "0.000", "JPY bn": "#,##0"}  # short: a label never wraps
_PATH = re.compile(r"(?<![\w:/.])(?:[A-Za-z]:[\\/]|~[\\/]|/)(?:[^\s\"',;()<>]+)")


def safe_text(text: str) -> str:
    """Cut absolute paths in ``text`` to their last part (a file name, never a home folder)."""
    def last_part(match: re.Match) -> str:
        found = match.group(0)
        if "\\" in found:
            return PureWindowsPath(found).name
        return found.rstrip("/").rsplit("/", 1)[-1]

    # Control characters made visible (Excel would show them as _x001B_ or hide them), and
    # within a cell's 32,767 characters.
    return _PATH.sub(last_part, clean(text, 32_000))


def write(sections, as_of, path, credits: list[str] | tuple[str, ...] = ()) -> Path:
    """Write the monitor's ``sections`` (``addin.report.Section``) computed for ``as_of``.

    ``credits`` are the credit lines the publishers' terms ask for (``report.credits()``),
    written under the sections.
    """
    book = xlsxwriter.Workbook(str(path), {"strings_to_numbers": False,
                                           "strings_to_formulas": False, "nan_inf_to_errors": True})
    book.set_properties({"title": f"jpflows monitor as of {as_of}", "author": "jpflows",
                         "created": datetime.now()})
    styles = _styles(book)
    page = book.add_worksheet("Monitor")
    for columns, width in (("A:A", 56), ("B:B", 12), ("C:C", 8), ("D:D", 30)):
        page.set_column(columns, width)
    page.write("A1", f"jpflows monitor as of {as_of}", styles["title"])
    page.write("A2", "Values only; each section names its sources.", styles["note"])
    row = 3
    for section in sections:
        row = _write_section(page, row, section, styles)
    for line in credits:
        page.write_string(row, 0, line, styles["note"])
        row += 1
    _write_charts(book, page, sections, styles, as_of)
    for sheet in book.worksheets():
        _one_page(sheet)
    book.close()
    return Path(path)


def _one_page(sheet) -> None:
    """Landscape A4, the whole sheet (charts beside their values) on one page."""
    sheet.set_landscape()
    sheet.set_paper(9)
    sheet.set_margins(left=0.4, right=0.4, top=0.5, bottom=0.5)
    sheet.fit_to_pages(1, 1)


def _styles(book) -> dict:
    styles = {unit: book.add_format({"num_format": fmt}) for unit, fmt in FORMATS.items()}
    styles.update(title=book.add_format({"bold": True, "font_size": 14}),
                  section=book.add_format({"bold": True, "bottom": 1}),
                  note=book.add_format({"italic": True, "font_color": "#595959"}),
                  unit=book.add_format({"italic": True, "font_color": "#595959", "indent": 1}),
                  text=book.add_format({"align": "right"}),
                  error=book.add_format({"font_color": "#C00000"}))
    return styles


def _write_section(page, row: int, section, styles) -> int:
    sources = ", ".join(getattr(section, "sources", ()) or ())
    page.write_string(row, 0, section.title, styles["section"])
    if getattr(section, "as_of", None):
        page.write_string(row, 1, f"as of {section.as_of}", styles["note"])
    page.write_string(row, 3, f"Sources: {sources}" if sources else "", styles["note"])
    row += 1
    if section.error:
        page.write_string(row, 0, safe_text(f"unavailable: {section.error}"), styles["error"])
        row += 1
    for line in section.lines:
        page.write_string(row, 0, safe_text(line.label))
        _write_value(page, row, line, styles)
        page.write_string(row, 2, "" if line.unit == "ratio" else line.unit, styles["unit"])
        page.write_string(row, 3, safe_text(line.note or ""), styles["note"])
        row += 1
    return row + 1


def _write_value(page, row: int, line, styles) -> None:
    value = line.value
    if isinstance(value, bool):
        page.write_boolean(row, 1, value)
    elif isinstance(value, (int, float)):
        page.write_number(row, 1, value, styles.get(line.unit))
    elif value is None:
        page.write_blank(row, 1, None)
    else:
        page.write_string(row, 1, safe_text(value), styles["text"])


def _write_charts(book, page, sections, styles, as_of) -> None:
    """One bar chart per kind of figure that has numbers; their data on the Chart data sheet."""
    data = book.add_worksheet("Chart data")
    column, anchor_row = 0, 3
    for title, unit, wanted in CHARTS:
        points = _points(sections, wanted)
        if not points:
            continue
        data.set_column(column, column, 46)
        data.set_column(column + 1, column + 1, 10)
        data.write_string(0, column, title, styles["section"])
        for i, (label, value) in enumerate(points, start=1):
            data.write_string(i, column, label)
            data.write_number(i, column + 1, value, styles[unit])
        chart = _bar_chart(book, f"{title}, as of {as_of}", unit, column, points)
        page.insert_chart(anchor_row, 5, chart)
        anchor_row += 6 + 2 * len(points)
        column += 3


def _points(sections, wanted) -> list[tuple[str, float]]:
    return [(safe_text(line.label), float(line.value)) for s in sections for line in s.lines
            if wanted(line) and isinstance(line.value, (int, float))
            and not isinstance(line.value, bool)]


def _axis_bounds(values: list[float]) -> dict:
    """Zero to a round number a fifth past the longest bar, so labels fit beside the bars."""
    lowest, highest = min(values), max(values)
    if lowest < 0 and highest <= 0:
        return {"max": 0, "min": -_round_up(-lowest * 1.2)}
    bounds = {"max": _round_up(highest * 1.2)}
    return {**bounds, "min": 0} if lowest >= 0 else {**bounds, "min": -_round_up(-lowest * 1.2)}


def _round_up(value: float) -> float:
    """The next round number (1, 1.5, 2, 2.5, 3, 4, 5, 6 or 8 times a power of ten) >= ``value``."""
    if value <= 0:
        return 1.0
    power = 10 ** math.floor(math.log10(value))
    return next(step * power for step in (1, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10)
                if step * power >= value)


def _bar_chart(book, title: str, unit: str, column: int, points: list[tuple[str, float]]):
    """Bars labelled in the unit's format; the axis starts at zero unless a bar is negative."""
    count = len(points)
    chart = book.add_chart({"type": "bar"})
    chart.add_series({"categories": ["Chart data", 1, column, count, column],
                      "values": ["Chart data", 1, column + 1, count, column + 1],
                      "data_labels": {"value": True, "num_format": LABELS[unit]}})
    chart.set_title({"name": title, "name_font": {"size": 10}})
    chart.set_legend({"none": True})
    chart.set_x_axis({"name": AXIS_NAMES[unit], "num_format": "0%" if unit == "ratio" else "#,##0",
                      **_axis_bounds([value for _, value in points])})
    chart.set_size({"width": 520, "height": 110 + 36 * count})
    return chart
