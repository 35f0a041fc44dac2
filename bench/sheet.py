"""The Dashboard's own formulas (``workbook/layout.py``) as the calls Excel makes.

Each ``=JP_*(...)`` cell of the Dashboard becomes one call of the Excel function with the
arguments Excel would pass: text as text, a blank setting as ``None``, a date setting as a
``datetime``, a reference to another headline cell as the value that cell computed. The
Settings sheet's defaults are used, with "As of" blank (the latest data) and the year to date
starting on January 1 of the data's last year.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Callable

import udfs
from bench import data
from workbook import layout

_CALL = re.compile(r"^=(JP_[A-Z_]+)\((.*)\)$")
_CELL = re.compile(r"^[A-Z]{1,3}\d+$")


def settings() -> dict[str, object]:
    """The named inputs the Dashboard's formulas use, as Excel passes them."""
    last_year = int(data.LAST_DAY[:4])
    return {"ASOF": None, "YEARSTART": datetime(last_year, 1, 1),
            "CHARTSTART": datetime(2024, 1, 1), "HEDGEDAYS": 90.0, "BASISBP": 0.0}


@dataclass(frozen=True)
class Formula:
    """One Dashboard cell's ``JP_*`` call."""

    cell: str
    function: Callable
    arguments: tuple

    def __call__(self):
        return self.function(*self.arguments)


def _tokens(text: str) -> list[str]:
    """The arguments of a call, split at the commas outside quotes."""
    tokens, current, quoted = [], "", False
    for char in text:
        quoted = quoted != (char == '"')
        if char == "," and not quoted:
            tokens.append(current.strip())
            current = ""
        else:
            current += char
    return tokens + [current.strip()]


def _arguments(text: str, names: dict, values: dict) -> tuple:
    found = []
    for token in _tokens(text):
        if token.startswith('"'):
            found.append(token[1:-1])
        elif token.upper() in names:
            found.append(names[token.upper()])
        elif _CELL.match(token):
            found.append(values[token])
        elif token:
            found.append(float(token))
        else:
            found.append(None)
    return tuple(found)


def dashboard() -> list[Formula]:
    """Every ``JP_*`` formula of the Dashboard, in sheet order, references resolved."""
    sheet = next(s for s in layout.sheets() if s.name == "Dashboard")
    cells = [(c.ref, _CALL.match(c.content)) for c in sheet.cells
             if isinstance(c.content, str) and _CALL.match(c.content)]
    names, values, formulas = settings(), {}, []
    # A formula reading other headline cells comes after them (Python's sort is stable).
    for ref, match in sorted(cells, key=lambda pair: any(_CELL.match(token) for token in
                                                         _tokens(pair[1].group(2)))):
        formula = Formula(ref, udfs.REGISTERED[match.group(1)],
                          _arguments(match.group(2), names, values))
        values[ref] = formula()
        formulas.append(formula)
    return formulas


def recalculate(formulas: list[Formula]) -> list:
    """One recalculation: every formula once, as Excel calls them."""
    return [formula() for formula in formulas]


def failed(formulas: list[Formula]) -> list[str]:
    """The formulas that answer an ``#N/A`` text, with that text."""
    return [f"{f.cell} {f.function.__name__}: {r}" for f in formulas
            if isinstance(r := f(), str) and r.startswith("#N/A")]
