"""The legacy JPX value workbook, and what both JPX file layouts share.

:func:`legacy_file` reads ``stock_val_1_*.xls`` (BIFF8, one sheet per market, Sales / Purchases /
Total row triplets); the helpers turn labels into stable investor names, text cells into numbers
and checked thousand-yen figures into the one-row frame of :mod:`addin.sources.jpx` (which
describes the new layout, the frame and its names).

Legacy BIFF8 files (``stock_val_1_YYMMWW.xls``, monthly ``stock_val_1_mYYMM.xls``, to
September 2026) hold one sheet per market (``TSE Prime``, ``TSE Standard``, ``TSE Growth``,
``Tokyo & Nagoya``; before April 2022 ``TSE 1st``, ``TSE 2nd``, ``Mothers``, ``JASDAQ``). A4 is the
period title (``2026年9月第2週 2026/9 week2  ( 9/7 - 9/11 )``), row 5 the unit
(``千円,%  1,000 yen, %``), D11/H11 the previous/current period (``09/07～09/11``) with values one
column to the right (E/I) and the balance in G/K. Each investor is a triplet of rows marked
``Sales`` / ``Purchases`` / ``Total`` in column C, the Japanese name in column A of the Sales row,
the English one on the Purchases row; the balance is printed on one row of the triplet (the Sales
row when negative). Numbers are often text with commas. Foreigners sit at rows 30-32 of
``Tokyo & Nagoya``.
"""

from __future__ import annotations

import calendar
import functools
import io
import re
import unicodedata
from datetime import date

import numpy as np
import pandas as pd

from addin.errors import LayoutChanged

THOUSAND_YEN_PER_BILLION = 1e6
MEASURES = ("sell", "buy", "net")
COLUMN_LEVELS = ("market", "investor", "measure")
TOLERANCE = 1.0  # thousand yen: each printed figure is rounded on its own

LEGACY_WEEKLY = re.compile(r"stock_val_1_(\d{2})(\d{2})(\d{2})\.xls$")
LEGACY_MONTHLY = re.compile(r"stock_val_1_m(\d{2})(\d{2})\.xls$")
NEW_WEEKLY = re.compile(r"stock_1_w_(\d{8})_(\d{8})\.xlsx$")
NEW_MONTHLY = re.compile(r"stock_1_m(\d{4})(\d{2})\.xlsx$")

LEGACY_SHEETS = {
    "Tokyo & Nagoya": "TokyoNagoya", "TSE Prime": "Prime", "TSE Standard": "Standard",
    "TSE Growth": "Growth", "TSE 1st": "First", "TSE 2nd": "Second", "Mothers": "Mothers",
    "TSE Mothers": "Mothers", "JASDAQ": "JASDAQ", "TSE JASDAQ": "JASDAQ",
}
AGGREGATE_SHEET = "Tokyo & Nagoya"
FOREIGNERS_ROW = 29  # 0-based Sales row of the Foreigners triplet on the aggregate sheet

JAPANESE_NAMES = {
    "自己計": "Proprietary", "委託計": "Brokerage", "総計": "Total", "法人": "Institutions",
    "個人": "Individuals", "海外投資家": "Foreigners", "証券会社": "Securities",
    "投資信託": "InvestmentTrusts", "事業法人": "BusinessCos", "その他法人等": "OtherInstitutions",
    "金融機関": "Banks", "生保・損保": "LifeNonlife", "都銀・地銀等": "CityRegionalBanks",
    "信託銀行": "TrustBanks", "その他金融機関": "OtherFinancials",
}
ENGLISH_NAMES = {
    "proprietary": "Proprietary", "brokerage": "Brokerage", "total": "Total",
    "institutions": "Institutions", "individuals": "Individuals", "foreigners": "Foreigners",
    "securitiescos": "Securities", "investmenttrusts": "InvestmentTrusts",
    "businesscos": "BusinessCos", "otherinstitutions": "OtherInstitutions",
    "othercos": "OtherInstitutions", "financialinstitutions": "Banks",
    "lifenonlifeinsurance": "LifeNonlife", "insurancecos": "LifeNonlife",
    "cityregionalbks": "CityRegionalBanks", "citybksregionalbksetc": "CityRegionalBanks",
    "trustbks": "TrustBanks", "trustbanks": "TrustBanks",
    "otherfinancialinstitutions": "OtherFinancials",
}
# New-layout groups that split one legacy category: (parent prefix, part word) -> name.
SPLIT_NAMES = {
    ("自己", "現金"): "ProprietaryCash", ("自己", "信用"): "ProprietaryMargin",
    ("個人", "現金"): "IndividualsCash", ("個人", "信用"): "IndividualsMargin",
    ("海外投資家", "法人"): "ForeignersCorporate", ("海外投資家", "個人"): "ForeignersIndividual",
}
NEW_GROUPS = frozenset({*SPLIT_NAMES.values(), "Securities", "InvestmentTrusts", "BusinessCos",
                        "OtherInstitutions", "LifeNonlife", "CityRegionalBanks", "TrustBanks",
                        "OtherFinancials"})
_TITLE_MONTH = re.compile(r"(\d{4})\s*年\s*(\d{1,2})\s*月|(\d{4})\s*/\s*(\d{1,2})(?!\d)")
_TITLE_SPAN = re.compile(r"\(\s*(\d{1,2})\s*/\s*(\d{1,2})\s*[-~]\s*(\d{1,2})\s*/\s*(\d{1,2})\s*\)")
_HEADER_SPAN = re.compile(r"(\d{1,2})/(\d{1,2})\D+(\d{1,2})/(\d{1,2})")
_BLOCKS = ((7, 8, 10), (3, 4, 6))  # (period header, value, balance) columns: H/I/K, then D/E/G


@functools.lru_cache(maxsize=512)  # the same few labels recur on every sheet of every file
def investor_name(japanese: object, english: object = "") -> str:
    """Stable ASCII name of an investor label; an unknown one becomes CamelCase ("" if no ASCII)."""
    jp, en = japanese_key(japanese), _english_key(english) or _english_key(japanese)
    if jp in JAPANESE_NAMES:
        return JAPANESE_NAMES[jp]
    if en in ENGLISH_NAMES:
        return ENGLISH_NAMES[en]
    return camel_case(english) or camel_case(japanese)


def group_name(parent: object, part: object) -> str:
    """Stable name of a new-layout group from its parent (row 3) and part (row 5) labels."""
    head, word = japanese_key(parent), japanese_key(part)
    for (parent_prefix, part_word), split in SPLIT_NAMES.items():
        if head.startswith(parent_prefix) and part_word in word:
            return split
    return investor_name(part)


def camel_case(text: object) -> str:
    """``"Securities Cos."`` -> ``"SecuritiesCos"``: the ASCII words of ``text``, capitalised."""
    words = re.findall(r"[A-Za-z0-9]+", unicodedata.normalize("NFKC", str(text or "")))
    return "".join(word[:1].upper() + word[1:] for word in words)


def row_values(keys: list, sell: np.ndarray, buy: np.ndarray) -> dict[tuple, float]:
    """``{(market, investor, measure): JPY billions}`` from thousand-yen sales and purchases.

    Args:
        keys: ``(market, investor)`` of each position of ``sell`` and ``buy``.
        sell: Sales in thousand yen.
        buy: Purchases in thousand yen.
    """
    sell, buy = np.asarray(sell, dtype="float64"), np.asarray(buy, dtype="float64")
    table = np.column_stack([sell, buy, buy - sell]) / THOUSAND_YEN_PER_BILLION
    columns = [(market, investor, measure) for market, investor in keys for measure in MEASURES]
    return dict(zip(columns, table.ravel().tolist()))


def rows_frame(rows: dict[date, dict]) -> pd.DataFrame:
    """The JPX frame from ``{period end: row_values(...)}``: ascending ``date`` index, float64."""
    frame = pd.DataFrame.from_dict(rows, orient="index")
    frame.columns = pd.MultiIndex.from_tuples(frame.columns, names=COLUMN_LEVELS)
    frame.index = pd.DatetimeIndex(frame.index, name="date").as_unit("us")  # as other sources
    return frame.sort_index().sort_index(axis=1).astype("float64")


def numbers(values) -> np.ndarray:
    """Cells to float64; text loses commas and spaces, ``▲``/``△`` mean minus, blanks are NaN."""
    text = np.array([str(value) for value in values], dtype=str)
    for mark, replacement in ((",", ""), (" ", ""), ("\u3000", ""), ("▲", "-"), ("△", "-")):
        text = np.char.replace(text, mark, replacement)
    return pd.to_numeric(text, errors="coerce").astype("float64")


def check_triplets(name: str, where: np.ndarray, sell, buy, total, balance=None) -> None:
    """Raise ``LayoutChanged`` unless sell + buy = total and buy - sell = balance (if given)."""
    bad = np.isnan(sell) | np.isnan(buy) | np.isnan(total)
    if bad.any():
        raise LayoutChanged(f"JPX {name}: no number at {where[bad.argmax()]}")
    checks = [("Total!=sell+buy", np.abs(sell + buy - total) > TOLERANCE)]
    if balance is not None:
        checks.append(("Balance!=buy-sell", np.abs(balance - (buy - sell)) > TOLERANCE))
    for what, wrong in checks:
        if wrong.any():
            raise LayoutChanged(f"JPX {name}: {what} at {where[wrong.argmax()]}")


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
    cells = numbers([*sheet.col_values(value_col), *sheet.col_values(balance_col)])
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


def xlsx_rows(name: str, body: bytes) -> list[tuple]:
    """The cell values of the first sheet of an ``.xlsx`` workbook, row by row."""
    import openpyxl

    try:
        book = openpyxl.load_workbook(io.BytesIO(body), read_only=True, data_only=True)
    except Exception as error:  # zip, XML and key errors all mean "not a workbook"
        raise LayoutChanged(f"JPX {name}: not an .xlsx workbook") from error
    try:
        # read-only mode parses the sheet XML lazily, so damage shows up only here
        return [tuple(row) for row in book.worksheets[0].iter_rows(values_only=True)]
    except Exception as error:
        raise LayoutChanged(f"JPX {name}: sheet XML is damaged") from error
    finally:
        book.close()


def carried_right(row: tuple) -> list[str]:
    """Merged header cells hold their text in the first column only: carry it to the right."""
    cells = pd.Series([cell_text(cell) for cell in row], dtype=object)
    return cells.replace("", np.nan).ffill().fillna("").tolist()


def cell_text(value: object) -> str:
    """A cell as stripped text; an empty cell is ``""``."""
    return "" if value is None else str(value).strip()


def cell_at(row: tuple, col: int) -> str:
    """:func:`cell_text` of ``row[col]``; ``""`` past the end of a short row."""
    return cell_text(row[col]) if col < len(row) else ""


def japanese_key(text: object) -> str:
    """The leading non-ASCII run of a label, all spaces removed: ``総　計 Total`` -> ``総計``."""
    squeezed = re.sub(r"\s+", "", unicodedata.normalize("NFKC", str(text or "")))
    return re.match(r"[^\x00-\x7f]*", squeezed).group(0)


def _english_key(text: object) -> str:
    return re.sub(r"[^a-z0-9]", "", unicodedata.normalize("NFKC", str(text or "")).lower())


def ymd(digits: str) -> date | None:
    """``"20260911"`` -> 2026-09-11; ``None`` when the digits are not a calendar date."""
    try:
        return date(int(digits[:4]), int(digits[4:6]), int(digits[6:]))
    except ValueError:
        return None


def month_end(year: int, month: int) -> date:
    """The last calendar day of a month."""
    return date(year, month, calendar.monthrange(year, month)[1])
