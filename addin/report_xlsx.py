"""``jpflows report --xlsx PATH``: the monitor as a values-only workbook with charts.

One sheet, **Monitor**, lists every section as the terminal shows it (a section that could not be
computed shows its reason); a **Chart data** sheet holds the numbers the charts draw. No formulas,
no macros, and no absolute paths: anyone can open it.
"""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path, PureWindowsPath

import xlsxwriter

FORMATS = {"ratio": "0.0%", "%": "0.000", "pp": "0.000", "JPY bn": "#,##0.0", "USD bn": "#,##0.0",
           "pts": "#,##0.00", "JPY": "0.00"}
# (chart title, y axis, which lines): lines are picked by unit and a word in the label.
CHARTS = (
    ("Net buying, year to date (JPY bn)", "JPY bn", lambda line: line.unit == "JPY bn"
     and "year to date" in line.label),
    ("Rally from the 1-year low", "", lambda line: line.unit == "ratio"),
    ("Yields (%)", "%", lambda line: line.unit == "%"),
)
_PATH = re.compile(r"(?<![\w:/.])(?:[A-Za-z]:[\\/]|~[\\/]|/)(?:[^\s\"',;()<>]+)")


def safe_text(text: str) -> str:
    """Cut absolute paths in ``text`` to their last part (a file name, never a home folder)."""
    def last_part(match: re.Match) -> str:
        found = match.group(0)
        if "\\" in found:
            return PureWindowsPath(found).name
        return found.rstrip("/").rsplit("/", 1)[-1]

    return _PATH.sub(last_part, str(text))


def write(sections, as_of, path) -> Path:
    """Write the monitor's ``sections`` (``addin.report.Section``) computed for ``as_of``."""
    book = xlsxwriter.Workbook(str(path), {"strings_to_numbers": False,
                                           "strings_to_formulas": False, "nan_inf_to_errors": True})
    book.set_properties({"title": f"jpflows monitor as of {as_of}", "author": "jpflows",
                         "created": datetime.now()})
    styles = _styles(book)
    page = book.add_worksheet("Monitor")
    page.set_column("A:A", 52)
    page.set_column("B:B", 14)
    page.set_column("C:C", 8)
    page.set_column("D:D", 30)
    page.write("A1", f"jpflows monitor as of {as_of}", styles["title"])
    page.write("A2", "Values only; each section names its sources.", styles["note"])
    row = 3
    for section in sections:
        row = _write_section(page, row, section, styles)
    _write_charts(book, page, sections)
    book.close()
    return Path(path)


def _styles(book) -> dict:
    styles = {unit: book.add_format({"num_format": fmt}) for unit, fmt in FORMATS.items()}
    styles.update(title=book.add_format({"bold": True, "font_size": 14}),
                  section=book.add_format({"bold": True, "bottom": 1}),
                  note=book.add_format({"italic": True, "font_color": "#595959"}),
                  error=book.add_format({"font_color": "#C00000"}))
    return styles


def _write_section(page, row: int, section, styles) -> int:
    sources = ", ".join(getattr(section, "sources", ()) or ())
    page.write_string(row, 0, section.title, styles["section"])
    page.write_string(row, 3, f"Sources: {sources}" if sources else "", styles["note"])
    row += 1
    if section.error:
        page.write_string(row, 0, safe_text(f"unavailable: {section.error}"), styles["error"])
        row += 1
    for line in section.lines:
        page.write_string(row, 0, safe_text(line.label))
        _write_value(page, row, line, styles)
        page.write_string(row, 2, "" if line.unit == "ratio" else line.unit, styles["note"])
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
        page.write_string(row, 1, safe_text(value))


def _write_charts(book, page, sections) -> None:
    """One bar chart per kind of figure that has numbers; their data on the Chart data sheet."""
    data = book.add_worksheet("Chart data")
    data.set_column("A:A", 52)
    column, anchor_row = 0, 3
    for title, axis, wanted in CHARTS:
        points = _points(sections, wanted)
        if not points:
            continue
        data.write_string(0, column, title)
        for i, (label, value) in enumerate(points, start=1):
            data.write_string(i, column, label)
            data.write_number(i, column + 1, value)
        page.insert_chart(anchor_row, 5, _bar_chart(book, title, axis, column, len(points)))
        anchor_row += 6 + 2 * len(points)
        column += 3


def _points(sections, wanted) -> list[tuple[str, float]]:
    return [(safe_text(line.label), float(line.value)) for s in sections for line in s.lines
            if wanted(line) and isinstance(line.value, (int, float))
            and not isinstance(line.value, bool)]


def _bar_chart(book, title: str, axis: str, column: int, count: int):
    chart = book.add_chart({"type": "bar"})
    chart.add_series({"categories": ["Chart data", 1, column, count, column],
                      "values": ["Chart data", 1, column + 1, count, column + 1],
                      "data_labels": {"value": True}})
    chart.set_title({"name": title, "name_font": {"size": 10}})
    chart.set_legend({"none": True})
    chart.set_x_axis({"name": axis, "num_format": "0%" if axis == "" else "#,##0.0"})
    chart.set_size({"width": 520, "height": 90 + 40 * count})
    return chart
