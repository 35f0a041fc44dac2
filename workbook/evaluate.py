"""Compute the template's formulas without Excel, with the same ``JP_*`` functions Excel calls.

Excel built-ins (IF, DATE, EDATE, INDEX ...) are evaluated by the ``formulas`` package; each
``JP_*`` call goes to the function in :mod:`udfs`, exactly as xlwings would call it, and tables
spill from their cell as in Excel 365. Used to render the README picture and by the tests.

Values follow Excel's conventions: dates are serial numbers, blanks are empty, and a failed
``JP_*`` call is its ``#N/A ...`` text.
"""

from __future__ import annotations

import re
from collections import Counter
from datetime import date, datetime
from typing import Iterable

import numpy as np
from xlsxwriter.utility import xl_cell_to_rowcol

from workbook import layout

EXCEL_EPOCH = datetime(1899, 12, 30)
_CELL = re.compile(r"^([A-Z]{1,3})(\d+)$")
_REF = re.compile(r"(?<![A-Za-z_$])([A-Z]{1,3})(\d+)(?![\w(])")
_ISO = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_RANGE = re.compile(r"^([A-Z]{1,3})(\d+):([A-Z]{1,3})(\d+)$")


def serial(when: date) -> float:
    """Excel serial number of a date (1900 system, dates after 1900-03-01)."""
    return float((datetime(when.year, when.month, when.day) - EXCEL_EPOCH).days)


def column_number(letters: str) -> int:
    """The 1-based column number of Excel column letters (A -> 1, AA -> 27)."""
    return xl_cell_to_rowcol(f"{letters}1")[1] + 1


def offset(ref: str, rows: int, cols: int) -> str:
    """The cell ``rows`` down and ``cols`` right of ``ref``."""
    letters, row = _CELL.match(ref).groups()
    return f"{layout.column_letters(column_number(letters) + cols)}{int(row) + rows}"


def to_excel(value):
    """A Python value as Excel holds it: dates become serial numbers."""
    if isinstance(value, (datetime, date)):
        return serial(value)
    if isinstance(value, np.generic):
        return value.item()
    return value


def from_excel(value):
    """What xlwings would pass a UDF: ``None`` for a blank, lists for a range."""
    import schedula

    if value is schedula.EMPTY:
        return None
    if isinstance(value, np.ndarray):
        if value.size == 1:
            return from_excel(value.ravel()[0])
        return [[from_excel(v) for v in row] for row in value.tolist()]
    if isinstance(value, np.generic):
        return value.item()
    if type(value).__name__ == "XlError":
        return str(value)
    return value


class Evaluator:
    """Evaluates every formula of some sheets and counts ``JP_*`` calls per sheet."""

    def __init__(self, sheets: Iterable[layout.Sheet], names: dict[str, str] = layout.NAMES):
        sheets = tuple(sheets)
        self.contents = {(s.name, c.ref): c.content for s in sheets for c in s.cells}
        self.anchors = [(s.name, c.ref) for s in sheets for c in s.cells if c.spill]
        self.names = {n.upper(): _target(t) for n, t in names.items()}
        self.values: dict[tuple[str, str], object] = {}
        self.calls: Counter[str] = Counter()
        self._sheet = ""
        self._compiled: dict[str, tuple] = {}

    def run(self) -> dict[tuple[str, str], object]:
        """Evaluate everything; ``{(sheet, cell): value}`` including every spilled cell."""
        install_functions(self)
        for sheet, ref in self.anchors:  # tables first: other formulas read their cells
            self.value(sheet, ref)
        for sheet, ref in list(self.contents):
            self.value(sheet, ref)
        return self.values

    def value(self, sheet: str, ref: str):
        import schedula

        key = (sheet, ref)
        if key in self.values:
            return self.values[key]
        content = self.contents.get(key)
        if isinstance(content, str) and content.startswith("="):
            self._store(sheet, ref, self._formula(sheet, ref, content))
        elif content is None or content == "":
            return schedula.EMPTY
        else:
            self.values[key] = serial(datetime.strptime(content, "%Y-%m-%d")) if (
                isinstance(content, str) and _ISO.match(content)) else content
        return self.values[key]

    def count(self) -> None:
        """Called by every ``JP_*`` function: one more call from the current sheet."""
        self.calls[self._sheet] += 1

    def _formula(self, sheet: str, ref: str, text: str):
        outer, self._sheet = self._sheet, sheet
        try:
            function, inputs = self._compile(text, int(_CELL.match(ref).group(2)))
            args = [self._input(sheet, name, ref) for name in inputs]
            return function(*args)
        finally:
            self._sheet = outer

    def _compile(self, text: str, row: int):
        """Compile once per shape: formulas copied down a column differ only by row."""
        import formulas

        shape = _shape(text, row)
        if shape not in self._compiled:
            function = formulas.Parser().ast(text)[1].compile()
            inputs = [_relative(name, row) for name in function.inputs]
            self._compiled[shape] = (function, inputs)
        return self._compiled[shape]

    def _input(self, sheet: str, name, ref: str):
        if isinstance(name, tuple):  # (column, rows below the formula's row)
            letters, down = name
            return self.value(sheet, f"{letters}{int(_CELL.match(ref).group(2)) + down}")
        if name in self.names:
            return self.value(*self.names[name])
        other, _, cell = name.rpartition("!")
        target, cell = (self._sheet_named(other.strip("'")) if other else sheet), cell.replace("$", "")
        if _RANGE.match(cell):
            return self._range(target, cell)
        if other and _CELL.match(cell):  # Sheet!B4: the named sheet, as written
            return self.value(target, cell)
        raise KeyError(f"{sheet}!{ref}: unknown name {name}")

    def _range(self, sheet: str, span: str) -> np.ndarray:
        """The values of a rectangular range, as ``formulas`` passes ranges to functions."""
        c1, r1, c2, r2 = _RANGE.match(span).groups()
        columns = range(column_number(c1), column_number(c2) + 1)
        return np.array([[self.value(sheet, f"{layout.column_letters(c)}{r}") for c in columns]
                         for r in range(int(r1), int(r2) + 1)], dtype=object)

    def _sheet_named(self, upper: str) -> str:
        """``formulas`` upper-cases references; find the sheet's own spelling."""
        return next((s for s, _ in self.contents if s.upper() == upper.upper()), upper)

    def _store(self, sheet: str, ref: str, result) -> None:
        result = from_formula(result)
        if not isinstance(result, list):
            self.values[(sheet, ref)] = result
            return
        for r, row in enumerate(result):
            for c, item in enumerate(row):
                self.values[(sheet, offset(ref, r, c))] = item


def from_formula(result):
    """A ``formulas`` result as a scalar or a list of rows (Excel errors as their text)."""
    if isinstance(result, np.ndarray):
        if result.size == 1:
            return from_formula(result.ravel()[0])
        return [[from_formula(v) for v in row] for row in np.atleast_2d(result).tolist()]
    if type(result).__name__ == "XlError":
        return str(result)
    return to_excel(result)


def _target(text: str) -> tuple[str, str]:
    sheet, _, cell = text.lstrip("=").partition("!")
    return sheet.strip("'"), cell.replace("$", "")


def _shape(text: str, row: int) -> str:
    parts = text.split('"')
    if any(":" in part for part in parts[::2]):
        return text  # ranges stay absolute: such a formula is compiled for itself
    for i in range(0, len(parts), 2):  # outside string literals only
        parts[i] = _REF.sub(lambda m: f"{m.group(1)}[{int(m.group(2)) - row}]", parts[i])
    return '"'.join(parts)


def _relative(name: str, row: int):
    match = _CELL.match(name)
    return (match.group(1), int(match.group(2)) - row) if match else name


def install_functions(evaluator: Evaluator) -> None:
    """Register every ``JP_*`` function with ``formulas``, counting calls on ``evaluator``."""
    import formulas

    import udfs

    table = formulas.get_functions()
    for name, function in udfs.REGISTERED.items():
        table[name] = _excel_function(function, evaluator)


def _excel_function(function, evaluator: Evaluator):
    def call(*args):
        evaluator.count()
        result = function(*(from_excel(a) for a in args))
        if isinstance(result, list):
            return np.array([[to_excel(v) for v in row] for row in result], dtype=object)
        return to_excel(result)

    call.__name__ = function.__name__
    return call


def evaluate(sheets: Iterable[layout.Sheet] | None = None) -> tuple[dict, Counter]:
    """Evaluate the template's sheets (default: the layout) -> (values, JP_* calls per sheet)."""
    evaluator = Evaluator(layout.sheets() if sheets is None else sheets)
    return evaluator.run(), evaluator.calls
