"""JPX's 2026 value files (``stock_1_w_*.xlsx``, monthly ``stock_1_m*.xlsx``): one sheet.

The header row (found by its first cell, ``年月週`` weekly or ``年月`` monthly) has the unit in
column C, then 14 investor groups of four columns (Sales, Purchases, Balance, Total) across D-BG,
named by the rows above (row 3 the parent such as ``海外投資家``, row 5 the part such as ``法人``);
below, one row per market and measure (``株数`` volume, ``金額`` value). There are no aggregate
investors: Proprietary, Individuals and Foreigners are the sums of their cash/margin or
corporate/individual parts (kept too, e.g. ``ForeignersCorporate``), and Banks, Institutions,
Brokerage and Total are summed as in the legacy files. ``二市場`` is the TokyoNagoya market; a file
without it gets TokyoNagoya = Prime + Standard + Growth (TSE only, Nagoya listings excluded).
"""

from __future__ import annotations

import io

import numpy as np
import pandas as pd

from addin.errors import LayoutChanged
from addin.sources._cells import numbers
from addin.sources.jpx_files import (NEW_GROUPS, camel_case, cell_at, cell_text, check_triplets,
                                     group_name, japanese_key, row_values)

NEW_MARKETS = {"東証プライム": "Prime", "東証スタンダード": "Standard", "東証グロース": "Growth",
               "二市場": "TokyoNagoya"}
TSE_MARKETS = ("Prime", "Standard", "Growth")
DERIVED = (  # in order: Banks must exist before Institutions adds it
    ("Proprietary", ("ProprietaryCash", "ProprietaryMargin")),
    ("Individuals", ("IndividualsCash", "IndividualsMargin")),
    ("Foreigners", ("ForeignersCorporate", "ForeignersIndividual")),
    ("Banks", ("LifeNonlife", "CityRegionalBanks", "TrustBanks", "OtherFinancials")),
    ("Institutions", ("InvestmentTrusts", "BusinessCos", "OtherInstitutions", "Banks")),
)
_GROUP_HEADS = ("売", "買", "差引", "合計")


def values(name: str, body: bytes) -> dict:
    """``{(market, investor, measure): JPY billions}`` of one new-layout value file."""
    rows = xlsx_rows(name, body)
    head = next((i for i, row in enumerate(rows[:30]) if cell_at(row, 0).startswith("年月")), -1)
    if head < 3:
        raise LayoutChanged(f"JPX {name}: header row starting 年月週 not found")
    if "千円" not in cell_at(rows[head], 2):
        raise LayoutChanged(f"JPX {name}: unit 千円 not in header row column C")
    groups = _new_groups(name, rows, head)
    sell, buy = _new_values(name, rows[head + 1:], head + 2, groups)
    sell, buy = _with_totals(name, sell).stack(), _with_totals(name, buy).stack()
    return row_values(list(sell.index), sell.to_numpy(), buy.to_numpy())


def _new_groups(name: str, rows: list[tuple], head: int) -> list[str]:
    """Investor names of the four-column groups that start at column D of the header row."""
    parents, names, col = carried_right(rows[head - 3]), [], 3
    while cell_at(rows[head], col).startswith("売"):
        if not all(cell_at(rows[head], col + k).startswith(w) for k, w in enumerate(_GROUP_HEADS)):
            raise LayoutChanged(f"JPX {name}: header column {col + 1} not 売/買/差引/合計")
        parent = parents[col] if col < len(parents) else ""
        names.append(group_name(parent, cell_at(rows[head - 1], col)) or f"Col{col + 1}")
        col += 4
    if missing := sorted(NEW_GROUPS - set(names)):
        raise LayoutChanged(f"JPX {name}: no group {missing[0]}")
    if len(set(names)) != len(names):
        raise LayoutChanged(f"JPX {name}: group {max(names, key=names.count)} twice")
    return names


def _new_values(name: str, rows: list[tuple], first_row: int, groups: list[str]):
    """(sell, buy) in thousand yen, markets x groups, from the value (金額) rows.

    ``first_row`` is the 1-based sheet row of ``rows[0]``, for error messages.
    """
    width = 3 + 4 * len(groups)
    table = pd.DataFrame([list(row[:width]) + [None] * (width - len(row)) for row in rows],
                         columns=range(width))
    labels = table.iloc[:, :3].map(cell_text)
    # Period and market cells are merged over the volume and value rows: carry them down.
    carried = labels[1].map(japanese_key).replace("", np.nan).ffill().fillna("")
    value_rows = labels[2].str.startswith("金額").to_numpy()
    markets = [NEW_MARKETS.get(text) or camel_case(text) for text in carried[value_rows]]
    if not markets or "" in markets or len(set(markets)) != len(markets):
        raise LayoutChanged(f"JPX {name}: 金額 rows or markets unclear")
    cells = numbers(table.iloc[value_rows, 3:].to_numpy(), f"JPX {name}", strict=False)
    cells = cells.reshape(len(markets), -1, 4)
    from xlsxwriter.utility import xl_rowcol_to_cell

    where = np.array([xl_rowcol_to_cell(first_row + row - 1, 3 + 4 * k)
                      for row in np.flatnonzero(value_rows) for k in range(len(groups))])
    sell, buy, balance, total = (cells[:, :, k].ravel() for k in range(4))
    check_triplets(name, where, sell, buy, total, balance)
    return (pd.DataFrame(side.reshape(len(markets), -1), index=markets, columns=groups)
            for side in (sell, buy))


def _with_totals(name: str, frame: pd.DataFrame) -> pd.DataFrame:
    """Add the legacy aggregates, and TokyoNagoya when the file has no 二市場 rows."""
    frame, leaves = frame.copy(), list(frame.columns)
    for total, parts in DERIVED:
        frame[total] = frame[list(parts)].sum(axis=1)
    # Every trade falls in exactly one group, so all groups, known or not, add up to the total.
    frame["Total"] = frame[leaves].sum(axis=1)
    frame["Brokerage"] = frame["Total"] - frame["Proprietary"]
    if "TokyoNagoya" not in frame.index:
        if not set(TSE_MARKETS) <= set(frame.index):
            raise LayoutChanged(f"JPX {name}: markets incomplete (no 二市場)")
        frame.loc["TokyoNagoya"] = frame.loc[list(TSE_MARKETS)].sum()
    return frame


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
