"""JPX's legacy weekly and monthly value workbooks (``stock_val_1_*.xls``, to September 2026).

Sheets per market (``TSE Prime``, ``TSE Standard``, ``TSE Growth``, ``Tokyo & Nagoya``; before April
2022 ``TSE 1st``, ``TSE 2nd``, ``Mothers``, ``JASDAQ``). Rows and columns are found by their text,
never by position (JPX's own files and public readers disagree by a column): the table is the run of
investor triplets, three rows tagged ``Sales`` / ``Purchases`` / ``Total`` in one column, with the
Japanese name on the Sales row and the English one on the Purchases row of a column to the left.
Above it are the period title (A4 in JPX's files: ``2026年9月第2週 2026/9 week2  ( 9/7 - 9/11 )``),
the unit (``千円,%  1,000 yen, %``), a period header per block of columns (``09/07～09/11``, the
previous period's block beside it) and, below that, ``金額 Value`` and ``差引き Balance`` over the
block's columns. A header may sit over a merged range, so a column is the one under its header's
span that holds the figures. The balance is printed on one row of a triplet (Sales when negative);
numbers are often text with commas and ``▲`` for minus.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date

import numpy as np

from addin.errors import LayoutChanged
from addin.sources._cells import numbers
from addin.sources.jpx_bounded import xls_book
from addin.sources.jpx_files import (JAPANESE_NAMES, cell_text, check_triplets, investor_name,
                                     japanese_key, month_end, row_values, squeezed)

LEGACY_SHEETS = {
    "Tokyo & Nagoya": "TokyoNagoya", "TSE Prime": "Prime", "TSE Standard": "Standard",
    "TSE Growth": "Growth", "TSE 1st": "First", "TSE 2nd": "Second", "Mothers": "Mothers",
    "TSE Mothers": "Mothers", "JASDAQ": "JASDAQ", "TSE JASDAQ": "JASDAQ",
}
AGGREGATE_SHEET = "Tokyo & Nagoya"
TAGS = ("sales", "purchases", "total")
SUBHEADS = {"value": (("金額",), "value", "金額 Value"),
            "balance": (("差引",), "balance", "差引き Balance")}
_TITLE_MONTH = re.compile(r"(\d{4})\s*年\s*(\d{1,2})\s*月|(\d{4})\s*/\s*(\d{1,2})(?!\d)")
_TITLE_SPAN = re.compile(r"\(\s*(\d{1,2})\s*/\s*(\d{1,2})\s*[-~]\s*(\d{1,2})\s*/\s*(\d{1,2})\s*\)")
_HEADER_SPAN = re.compile(r"(\d{1,2})/(\d{1,2})\s*\D{1,3}?\s*(\d{1,2})/(\d{1,2})")


def legacy_values(name: str, body: bytes) -> tuple[date, dict]:
    """Period end and :func:`row_values` of a legacy ``stock_val_1_*.xls`` value workbook.

    Raises:
        LayoutChanged: not a workbook, too large, no ``Tokyo & Nagoya`` sheet, or a sheet whose
            headers no longer name what is read (the message names what is missing).
    """
    book = xls_book(name, body)
    try:
        wanted = [k for k, sheet in enumerate(book.sheet_names()) if sheet.strip() in LEGACY_SHEETS]
        if AGGREGATE_SHEET not in {book.sheet_names()[k].strip() for k in wanted}:
            raise LayoutChanged(f"JPX {name}: sheet '{AGGREGATE_SHEET}' not found")
        parts = [_legacy_sheet(name, _sheet(name, book, k)) for k in wanted]
    finally:
        book.release_resources()
    ends = {part[0] for part in parts}
    if len(ends) != 1:
        raise LayoutChanged(f"JPX {name}: sheets disagree on the period")
    keys = [key for part in parts for key in part[1]]
    sell, buy = (np.concatenate([part[k] for part in parts]) for k in (2, 3))
    return ends.pop(), row_values(keys, sell, buy)


def _sheet(name: str, book, index: int):
    try:
        return book.sheet_by_index(index)
    except Exception as error:  # xlrd signals a damaged sheet stream with several types
        raise LayoutChanged(f"JPX {name}: sheet {index + 1} is damaged") from error


def _legacy_sheet(name: str, sheet) -> tuple[date, list, np.ndarray, np.ndarray]:
    """Period end, ``(market, investor)`` keys, sales and purchases (thousand yen) of a sheet."""
    where = f"{name} {sheet.name.strip()}"
    cells = [sheet.row_values(row) for row in range(sheet.nrows)]
    texts = [[cell_text(cell) for cell in row] for row in cells]
    tag_col, starts = _triplet_starts(where, texts)
    head = texts[: starts[0]]
    end, span, monthly = _legacy_period(where, head)
    if not any(squeezed(text).startswith("千円") for row in head for text in row):
        raise LayoutChanged(f"JPX {where}: unit 千円 not in the header rows")
    figures = _triplet_figures(where, cells, starts)
    value_col, balance_col = _legacy_block(where, figures, head, span)
    names = _legacy_names(where, texts, tag_col, starts)
    sell, buy = _legacy_triplets(where, figures, starts, value_col, balance_col)
    market = LEGACY_SHEETS[sheet.name.strip()]
    end = month_end(end.year, end.month) if monthly else end
    return end, [(market, investor) for investor in names], sell, buy


def _triplet_starts(where: str, texts: list[list[str]]) -> tuple[int, np.ndarray]:
    """The tag column and the 0-based rows where it reads Sales, Purchases, Total in a row."""
    best, best_starts = -1, np.array([], dtype=int)
    for col in range(min(16, max(map(len, texts), default=0))):
        tags = np.array([row[col].strip().lower() if col < len(row) else "" for row in texts])
        found = np.flatnonzero((tags[:-2] == TAGS[0]) & (tags[1:-1] == TAGS[1]) &
                               (tags[2:] == TAGS[2]))
        if found.size > best_starts.size:
            best, best_starts = col, found
    if best < 0:
        raise LayoutChanged(f"JPX {where}: no Sales/Purchases/Total rows")
    return best, best_starts


def _legacy_names(where: str, texts: list[list[str]], tag_col: int, starts: np.ndarray):
    """Investor names from the Japanese (Sales row) and English (Purchases row) labels, read
    from the column left of the tags that names the most known investors."""
    def named(col: int) -> tuple[int, int]:
        labels = [_at(texts[row], col) for row in starts]
        return sum(japanese_key(text) in JAPANESE_NAMES for text in labels), sum(map(bool, labels))

    label_col = max(range(tag_col), key=named, default=-1)
    if label_col < 0:
        raise LayoutChanged(f"JPX {where}: no investor labels left of the tags")
    names = [investor_name(texts[row][label_col], _at(texts[row + 1], label_col))
             or f"Row{row + 1}" for row in starts]
    if len(set(names)) != len(names):
        raise LayoutChanged(f"JPX {where}: {max(names, key=names.count)} twice")
    if "Foreigners" not in names:
        raise LayoutChanged(f"JPX {where}: no Foreigners (海外投資家) rows")
    return names


def _legacy_period(where: str, head: list[list[str]]) -> tuple[date, tuple[int, ...], bool]:
    """``(end, (start month, start day, end month, end day), monthly?)`` from the period title."""
    for text in (unicodedata.normalize("NFKC", cell) for row in head for cell in row):
        month_match, span_match = _TITLE_MONTH.search(text), _TITLE_SPAN.search(text)
        if month_match and span_match:
            break
    else:
        raise LayoutChanged(f"JPX {where}: no period title above the table")
    year, month = (int(g) for g in month_match.groups() if g)
    span = tuple(int(g) for g in span_match.groups())
    # Only a December title can end in January of the next year.
    end_year = year + 1 if span[2] < month - 6 else year
    try:
        end = date(end_year, span[2], span[3])
    except ValueError as error:
        raise LayoutChanged(f"JPX {where}: bad period end in the title") from error
    return end, span, not re.search(r"第\s*\d\s*週|week\s*\d", text, re.IGNORECASE)


def _triplet_figures(where: str, cells: list[list], starts: np.ndarray) -> np.ndarray:
    """``figures[triplet, k, column]``: the numbers on each triplet's Sales (k=0), Purchases and
    Total rows in every column (NaN where a cell holds no number), read in one pass."""
    width = len(cells[0])
    rows = [_at(cells, row + k) for row in starts for k in range(3)]
    flat = numbers([[_at(row, col) for col in range(width)] for row in rows], f"JPX {where}",
                   strict=False)
    return flat.reshape(len(starts), 3, width)


def _legacy_block(where: str, figures: np.ndarray, head, span: tuple[int, ...]) -> tuple[int, int]:
    """Value and balance columns of the block whose period header matches the title."""
    headers = [(row, col, tuple(int(g) for g in found.groups()))
               for row, texts in enumerate(head) for col, text in enumerate(texts)
               if (found := _HEADER_SPAN.fullmatch(unicodedata.normalize("NFKC", text)))]
    matching = [(row, col) for row, col, found in headers if found == span]
    label = "{}/{}-{}/{}".format(*span)
    if len(matching) != 1:
        raise LayoutChanged(f"JPX {where}: {'no' if not matching else 'two'} column header {label}")
    row, col = matching[0]
    stop = min([c for r, c, _ in headers if r == row and c > col], default=figures.shape[2])
    spans = _subhead_spans(where, head[row + 1:], col, stop, label)
    value = _figure_column(figures, spans["value"], every=True)
    balance = _figure_column(figures, spans["balance"], every=False)
    if value is None:
        raise LayoutChanged(f"JPX {where}: no figures under 金額 Value of {label}")
    return value, spans["balance"][0] if balance is None else balance


def _subhead_spans(where: str, rows, start: int, stop: int, label: str) -> dict[str, range]:
    """``{"value": columns, "balance": columns}`` named by the headers below a period header.

    A header's span runs to the next header in its row (it may be a merged cell).
    """
    spans = {}
    for row in rows:
        named = [col for col in range(start, min(stop, len(row))) if row[col]]
        for col, after in zip(named, [*named[1:], stop]):
            text = squeezed(row[col])
            for key, (japanese, english, _) in SUBHEADS.items():
                if key not in spans and (text.startswith(japanese) or english in text.lower()):
                    spans[key] = range(col, after)
    for key, (_, _, words) in SUBHEADS.items():
        if key not in spans:
            raise LayoutChanged(f"JPX {where}: no {words} header under {label}")
    return spans


def _figure_column(figures: np.ndarray, span: range, every: bool) -> int | None:
    """The first column of ``span`` with figures on the triplets' rows (on every Sales,
    Purchases and Total row when ``every``, else on any Sales or Purchases row)."""
    for col in (col for col in span if col < figures.shape[2]):
        found = ~np.isnan(figures[:, :, col] if every else figures[:, :2, col])
        if found.all() if every else found.any():
            return col
    return None


def _legacy_triplets(where: str, figures: np.ndarray, starts: np.ndarray, value_col: int,
                     balance_col: int):
    """Sales and purchases (thousand yen) of each triplet, checked against Total and Balance."""
    sell, buy, total = figures[:, :, value_col].T
    balances = figures[:, :2, balance_col]
    # The balance is printed on the Sales row when negative and the Purchases row when positive.
    balance = np.where(np.isnan(balances[:, 0]), balances[:, 1], balances[:, 0])
    printed = ~np.isnan(balance)
    rows = np.array([f"row {row + 1}" for row in starts])
    check_triplets(where, rows, sell, buy, total)
    check_triplets(where, rows[printed], sell[printed], buy[printed], total[printed],
                   balance[printed])
    return sell, buy


def _at(row: list, col: int):
    return row[col] if 0 <= col < len(row) else ""
