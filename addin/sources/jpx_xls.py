"""JPX's legacy weekly and monthly value workbooks (``stock_val_1_*.xls``, to September 2026).

Sheets per market (``TSE Prime``, ``TSE Standard``, ``TSE Growth``, ``Tokyo & Nagoya``; before April
2022 ``TSE 1st``, ``TSE 2nd``, ``Mothers``, ``JASDAQ``). A4 is the period title (``2026年9月第2週
2026/9 week2  ( 9/7 - 9/11 )``), row 5 the unit (``千円,%  1,000 yen, %``), D11/H11 the
previous/current period (``09/07～09/11``) with values one column to the right (E/I) and the
balance in G/K. Each investor is a triplet of rows marked ``Sales`` / ``Purchases`` / ``Total`` in
column C, the Japanese name in column A of the Sales row, the English one on the Purchases row; the
balance is printed on one row of the triplet (the Sales row when negative). Numbers are often text
with commas. Foreigners sit at rows 30-32 of ``Tokyo & Nagoya``.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date

import numpy as np

from addin.errors import LayoutChanged
from addin.sources._cells import numbers
from addin.sources.jpx_files import check_triplets, investor_name, month_end, row_values

LEGACY_SHEETS = {
    "Tokyo & Nagoya": "TokyoNagoya", "TSE Prime": "Prime", "TSE Standard": "Standard",
    "TSE Growth": "Growth", "TSE 1st": "First", "TSE 2nd": "Second", "Mothers": "Mothers",
    "TSE Mothers": "Mothers", "JASDAQ": "JASDAQ", "TSE JASDAQ": "JASDAQ",
}
AGGREGATE_SHEET = "Tokyo & Nagoya"
FOREIGNERS_ROW = 29  # 0-based Sales row of the Foreigners triplet on the aggregate sheet
_TITLE_MONTH = re.compile(r"(\d{4})\s*年\s*(\d{1,2})\s*月|(\d{4})\s*/\s*(\d{1,2})(?!\d)")
_TITLE_SPAN = re.compile(r"\(\s*(\d{1,2})\s*/\s*(\d{1,2})\s*[-~]\s*(\d{1,2})\s*/\s*(\d{1,2})\s*\)")
_HEADER_SPAN = re.compile(r"(\d{1,2})/(\d{1,2})\D+(\d{1,2})/(\d{1,2})")
_BLOCKS = ((7, 8, 10), (3, 4, 6))  # (period header, value, balance) columns: H/I/K, then D/E/G


def legacy_values(name: str, body: bytes) -> tuple[date, dict]:
    """Period end and :func:`row_values` of a legacy ``stock_val_1_*.xls`` value workbook.

    Raises:
        LayoutChanged: not a workbook, no ``Tokyo & Nagoya`` sheet, or a sheet off the layout.
    """
    book = _open_xls(name, body)
    sheets = [sheet for sheet in book.sheets() if sheet.name.strip() in LEGACY_SHEETS]
    if AGGREGATE_SHEET not in {sheet.name.strip() for sheet in sheets}:
        raise LayoutChanged(f"JPX {name}: sheet '{AGGREGATE_SHEET}' not found")
    parts = [_legacy_sheet(name, sheet) for sheet in sheets]
    ends = {part[0] for part in parts}
    if len(ends) != 1:
        raise LayoutChanged(f"JPX {name}: sheets disagree on the period")
    keys = [key for part in parts for key in part[1]]
    sell, buy = (np.concatenate([part[k] for part in parts]) for k in (2, 3))
    return ends.pop(), row_values(keys, sell, buy)


def _open_xls(name: str, body: bytes):
    import xlrd

    try:
        return xlrd.open_workbook(file_contents=body)
    except Exception as error:  # xlrd signals a bad file with several exception types
        raise LayoutChanged(f"JPX {name}: not an .xls workbook") from error


def _legacy_sheet(name: str, sheet) -> tuple[date, list, np.ndarray, np.ndarray]:
    """Period end, ``(market, investor)`` keys, sales and purchases (thousand yen) of a sheet."""
    where = f"{name} {sheet.name.strip()}"
    if sheet.ncols < 11 or sheet.nrows < FOREIGNERS_ROW + 3:
        raise LayoutChanged(f"JPX {where}: sheet too small")
    if not any(str(cell).strip().startswith("千円") for cell in sheet.row_values(4)):
        raise LayoutChanged(f"JPX {where}: unit 千円 not in row 5")
    end, span, monthly = _legacy_period(where, sheet.cell_value(3, 0))
    value_col, balance_col = _legacy_block(where, sheet, span)
    starts = _triplet_starts(where, sheet.col_values(2))
    names, sell, buy = _legacy_triplets(where, sheet, starts, value_col, balance_col)
    market = LEGACY_SHEETS[sheet.name.strip()]
    if market == "TokyoNagoya" and starts[names.index("Foreigners")] != FOREIGNERS_ROW:
        raise LayoutChanged(f"JPX {where}: Foreigners not at rows 30-32")
    end = month_end(end.year, end.month) if monthly else end
    return end, [(market, investor) for investor in names], sell, buy


def _triplet_starts(where: str, tags: list) -> np.ndarray:
    """0-based rows where column C reads Sales, Purchases, Total on three consecutive rows."""
    tags = np.array([str(tag).strip() for tag in tags], dtype=object)
    triplet = (tags[:-2] == "Sales") & (tags[1:-1] == "Purchases") & (tags[2:] == "Total")
    starts = np.flatnonzero(triplet)
    if starts.size == 0:
        raise LayoutChanged(f"JPX {where}: no Sales/Purchases/Total rows")
    return starts


def _legacy_triplets(where: str, sheet, starts: np.ndarray, value_col: int, balance_col: int):
    cells = numbers([*sheet.col_values(value_col), *sheet.col_values(balance_col)], f"JPX {where}",
                    strict=False)
    values, balances = cells[: sheet.nrows], cells[sheet.nrows:]
    sell, buy, total = values[starts], values[starts + 1], values[starts + 2]
    # The balance is printed on the Sales row when negative and the Purchases row when positive.
    balance = np.where(np.isnan(balances[starts]), balances[starts + 1], balances[starts])
    printed = ~np.isnan(balance)
    rows = np.array([f"row {row + 1}" for row in starts])
    check_triplets(where, rows, sell, buy, total)
    shown = (rows[printed], sell[printed], buy[printed], total[printed], balance[printed])
    check_triplets(where, *shown)
    return _legacy_names(where, sheet.col_values(0), starts), sell, buy


def _legacy_names(where: str, labels: list, starts: np.ndarray) -> list[str]:
    """Investor names from the Japanese (Sales row) and English (Purchases row) labels."""
    names = [investor_name(labels[row], labels[row + 1]) or f"Row{row + 1}" for row in starts]
    if len(set(names)) != len(names):
        raise LayoutChanged(f"JPX {where}: {max(names, key=names.count)} twice")
    if "Foreigners" not in names:
        raise LayoutChanged(f"JPX {where}: no Foreigners (海外投資家) rows")
    return names


def _legacy_period(where: str, title: object) -> tuple[date, tuple[int, ...], bool]:
    """``(end, (start month, start day, end month, end day), monthly?)`` from the A4 title."""
    text = unicodedata.normalize("NFKC", str(title))
    month_match, span_match = _TITLE_MONTH.search(text), _TITLE_SPAN.search(text)
    if not month_match or not span_match:
        raise LayoutChanged(f"JPX {where}: period title not in A4")
    year, month = (int(g) for g in month_match.groups() if g)
    span = tuple(int(g) for g in span_match.groups())
    # Only a December title can end in January of the next year.
    end_year = year + 1 if span[2] < month - 6 else year
    try:
        end = date(end_year, span[2], span[3])
    except ValueError as error:
        raise LayoutChanged(f"JPX {where}: bad period end in A4") from error
    return end, span, not re.search(r"第\s*\d\s*週|week\s*\d", text, re.IGNORECASE)


def _legacy_block(where: str, sheet, span: tuple[int, ...]) -> tuple[int, int]:
    """Value and balance columns of the block whose row-11 header matches the A4 period."""
    for header_col, value_col, balance_col in _BLOCKS:
        header = unicodedata.normalize("NFKC", str(sheet.cell_value(10, header_col)))
        found = _HEADER_SPAN.search(header)
        if found and tuple(int(g) for g in found.groups()) == span:
            return value_col, balance_col
    raise LayoutChanged(f"JPX {where}: D11/H11 don't match A4 period")
