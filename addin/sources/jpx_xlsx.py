"""JPX's 2026 value files (``stock_1_w_*.xlsx``, monthly ``stock_1_m*.xlsx``): one sheet.

Everything is found by its header text, never by position. The header row is the one whose first
label starts ``年月`` (``年月週 Year, Month, Week`` weekly, ``年月 Year, Month`` monthly; row 7 of
JPX's sample); in it ``市場／Market`` names the market column (absent in the ETF and REIT files),
``株数／金額 ... 千株／千円 ...`` the volume/value column and the unit, and ``売 Sales``,
``買 Purchases``, ``差引 Balance``, ``合計 Total`` the four columns of each investor group. The
group names sit in the rows above (rows 3-6: ``自己``/``委託``, then ``個人``, ``海外投資家``...,
then the leaves such as ``現金取引 Cash`` or ``信託銀行 Trust BK``), spread over merged cells. A
group's name is its lowest label, qualified by the one above it where JPX splits a category
(``海外投資家`` > ``法人`` = ForeignersCorporate). Below the header, one row per market and measure
(``株数`` volume, ``金額`` value); only value rows are read.

There are no aggregate investors: Proprietary, Individuals and Foreigners are the sums of their
cash/margin or corporate/individual parts (kept too, e.g. ``ForeignersCorporate``), and Banks,
Institutions, Brokerage and Total are summed as in the legacy files. ``二市場`` is the TokyoNagoya
market; a file without it gets TokyoNagoya = Prime + Standard + Growth (TSE only). A file without a
market column (ETF, REIT) has the one market ``All``.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

import numpy as np
import pandas as pd

from addin.errors import LayoutChanged
from addin.sources._cells import numbers
from addin.sources.jpx_bounded import xlsx_rows
from addin.sources.jpx_files import (NEW_GROUPS, camel_case, cell_text, check_triplets,
                                     group_name, japanese_key, row_values, squeezed)
from addin.sources.jpx_sheet import column_letters

NEW_MARKETS = {"東証プライム": "Prime", "東証スタンダード": "Standard", "東証グロース": "Growth",
               "二市場": "TokyoNagoya"}
TSE_MARKETS = ("Prime", "Standard", "Growth")
ROLES = {"sell": ("売", "sales"), "buy": ("買", "purchases"), "balance": ("差引", "balance"),
         "total": ("合計", "total")}
HEAD_WORDS = {"sell": "売 Sales", "buy": "買 Purchases", "balance": "差引 Balance",
              "total": "合計 Total"}
BANK_PARTS = ("LifeNonlife", "CityRegionalBanks", "TrustBanks", "AllBanks", "OtherFinancials")
FUND_GROUPS = frozenset(NEW_GROUPS - {"CityRegionalBanks", "TrustBanks"} | {"AllBanks"})
DERIVED = (  # in order: Banks must exist before Institutions adds it
    ("Proprietary", ("ProprietaryCash", "ProprietaryMargin")),
    ("Individuals", ("IndividualsCash", "IndividualsMargin")),
    ("Foreigners", ("ForeignersCorporate", "ForeignersIndividual")),
    ("Banks", BANK_PARTS),
    ("Institutions", ("InvestmentTrusts", "BusinessCos", "OtherInstitutions", "Banks")),
)
LABEL_ROWS = 4  # group names fill at most the four rows above the header row
HEADER_SEARCH = 30


@dataclass(frozen=True)
class Group:
    """One investor group: its name and the 0-based column of each of its four figures."""

    name: str
    columns: dict[str, int]


@dataclass(frozen=True)
class Header:
    """Where the header row puts things (0-based row and columns; ``market`` is -1 if absent)."""

    row: int
    period: int
    market: int
    measure: int
    groups: list[Group]


def values(name: str, body: bytes) -> dict:
    """``{(market, investor, measure): JPY billions}`` of one new-layout value file."""
    rows = [[cell_text(cell) for cell in row] for row in xlsx_rows(name, body)]
    header = find_header(name, rows)
    sell, buy = _new_values(name, rows, header)
    sell, buy = _with_totals(name, sell).stack(), _with_totals(name, buy).stack()
    return row_values(list(sell.index), sell.to_numpy(), buy.to_numpy())


def find_header(name: str, rows: list[list[str]]) -> Header:
    """The header row and what its labels name, checked for what the frame needs."""
    head = next((r for r, row in enumerate(rows[:HEADER_SEARCH])
                 if any(squeezed(cell).startswith("年月") for cell in row)), -1)
    if head < 1:
        raise LayoutChanged(f"JPX {name}: header row starting 年月週 not found")
    labels = [squeezed(cell) for cell in rows[head]]
    period = next(col for col, text in enumerate(labels) if text.startswith("年月"))
    market = next((col for col, text in enumerate(labels) if text.startswith("市場")), -1)
    measure = next((col for col, text in enumerate(labels) if "金額" in text and col != period), -1)
    if measure < 0:
        raise LayoutChanged(f"JPX {name}: no 株数／金額 column in the header row")
    if "千円" not in labels[measure]:
        raise LayoutChanged(f"JPX {name}: unit 千円 not in header 株数／金額")
    groups = _groups(name, rows, head, max(period, market, measure) + 1)
    _check_groups(name, [group.name for group in groups], market >= 0)
    return Header(head, period, market, measure, groups)


def _groups(name: str, rows: list[list[str]], head: int, first: int) -> list[Group]:
    """The groups of the header row right of ``first``, each bounded by its labels' span."""
    width = len(rows[head])
    labels, starts = _labels(rows, head, first, width)
    groups = []
    for start, stop in zip(starts, [*starts[1:], width]):
        if columns := _roles(name, rows[head], start, stop):
            path = [row[start - first] for row in labels]
            groups.append(Group(_group_name(path) or f"Col{column_letters(start + 1)}", columns))
    return groups


def _labels(rows, head: int, first: int, width: int) -> tuple[list[list[str]], list[int]]:
    """The label rows above the header, read top-down, and the columns where a group starts.

    A label runs right over blank cells (a merged cell holds its text in its first column only),
    but never past the start of a label in a row above or in its own row.
    """
    starts = {first}
    labels = []
    for row in rows[max(0, head - LABEL_ROWS):head]:
        row = [*row[:width], *[""] * (width - len(row))]
        starts |= {col for col in range(first, width) if row[col] and row[col] != row[col - 1]}
        current, carried = "", []
        for col in range(first, width):
            current = row[col] or ("" if col in starts else current)
            carried.append(current)
        starts |= {first + k for k in range(1, len(carried)) if carried[k] != carried[k - 1]}
        labels.append(carried)
    return labels, sorted(starts)


def _roles(name: str, header: list[str], start: int, stop: int) -> dict[str, int]:
    """``{role: column}`` of the 売/買/差引/合計 headers in ``[start, stop)``; {} if none."""
    found: dict[str, list[int]] = {}
    for col in range(start, stop):
        text = squeezed(header[col])
        role = next((role for role, (jp, en) in ROLES.items()
                     if text.startswith(jp) or en in text.lower()), None)
        if role:
            found.setdefault(role, []).append(col)
    if not found:
        return {}
    where = f"{column_letters(start + 1)}-{column_letters(stop)}"
    for role, words in HEAD_WORDS.items():
        if len(found.get(role, ())) != 1:
            many = "two" if found.get(role) else "no"
            raise LayoutChanged(f"JPX {name}: {many} {words} header in {where}")
    return {role: cols[0] for role, cols in found.items()}


def _group_name(path: list[str]) -> str:
    """The lowest label of a group, qualified by its parent where JPX splits a category."""
    path = [text for k, text in enumerate(path) if text and (k == 0 or path[k - 1] != text)]
    if not path:
        return ""
    return group_name(path[-2] if len(path) > 1 else "", path[-1])


def _check_groups(name: str, names: list[str], has_markets: bool) -> None:
    """Every group the frame is built from is named once (ETF/REIT files have one bank group)."""
    needed = NEW_GROUPS if has_markets or "AllBanks" not in names else FUND_GROUPS
    if missing := sorted(needed - set(names)):
        raise LayoutChanged(f"JPX {name}: no group {missing[0]}")
    if len(set(names)) != len(names):
        raise LayoutChanged(f"JPX {name}: group {max(names, key=names.count)} twice")


def _new_values(name: str, rows: list[list[str]], header: Header):
    """(sell, buy) in thousand yen, markets x groups, from the value (金額) rows."""
    body = rows[header.row + 1:]
    value_rows = [k for k, row in enumerate(body) if _at(row, header.measure).startswith("金額")]
    markets = _markets(body, header.market, value_rows)
    if not markets or "" in markets or len(set(markets)) != len(markets):
        raise LayoutChanged(f"JPX {name}: 金額 rows or markets unclear")
    _check_period(name, body, header.period, value_rows)
    cols = [group.columns[role] for group in header.groups for role in ROLES]
    cells = numbers([[_at(body[k], col) for col in cols] for k in value_rows], f"JPX {name}",
                    strict=False).reshape(len(markets), len(header.groups), len(ROLES))
    where = np.array([f"{column_letters(group.columns['sell'] + 1)}{header.row + k + 2}"
                      for k in value_rows for group in header.groups])
    sell, buy, balance, total = (cells[:, :, j].ravel() for j in range(len(ROLES)))
    check_triplets(name, where, sell, buy, total, balance)
    names = [group.name for group in header.groups]
    return (pd.DataFrame(side.reshape(len(markets), -1), index=markets, columns=names)
            for side in (sell, buy))


def _markets(body: list[list[str]], col: int, value_rows: list[int]) -> list[str]:
    """Market names of the value rows; a market label merged over its two rows is carried down."""
    if col < 0:
        return ["All"] * len(value_rows)
    labels = pd.Series([japanese_key(_at(row, col)) for row in body], dtype=object)
    carried = labels.replace("", np.nan).ffill().fillna("")
    return [NEW_MARKETS.get(carried[k]) or camel_case(_at(body[k], col)) for k in value_rows]


def _check_period(name: str, body: list[list[str]], col: int, value_rows: list[int]) -> None:
    """The period code (``2026094`` = September 2026, week 4) is of the file name's month."""
    # The code cell is merged down over the data rows; notes below them may hold other digits.
    codes = {re.sub(r"\D", "", unicodedata.normalize("NFKC", _at(row, col)))
             for row in body[: value_rows[-1] + 1]}
    codes.discard("")
    months = set(re.findall(r"(?<!\d)(\d{6})(?:\d{2})?(?!\d)", name))
    if len(codes) > 1:
        raise LayoutChanged(f"JPX {name}: more than one period in the file")
    if codes and months and len(code := codes.pop()) >= 6 and code[:6] not in months:
        raise LayoutChanged(f"JPX {name}: period {code[:8]} is not the file's")


def _at(row: list[str], col: int) -> str:
    return row[col] if 0 <= col < len(row) else ""


def _with_totals(name: str, frame: pd.DataFrame) -> pd.DataFrame:
    """Add the legacy aggregates, and TokyoNagoya when the file has no 二市場 rows.

    Summed on the arrays (blanks count as nothing, as in the publisher's own totals): a file
    is parsed in a few milliseconds, so the columns are not added one pandas step at a time.
    """
    columns = dict(zip(frame.columns, frame.to_numpy(dtype="float64").T))
    rows = len(frame.index)
    for total, parts in DERIVED:
        present = [columns[part] for part in parts if part in columns]
        columns[total] = np.nansum(present, axis=0) if present else np.zeros(rows)
    # Every trade falls in exactly one group, so all groups, known or not, add up to the total.
    columns["Total"] = np.nansum([columns[leaf] for leaf in frame.columns], axis=0)
    columns["Brokerage"] = columns["Total"] - columns["Proprietary"]
    index, values = list(frame.index), np.column_stack(list(columns.values()))
    if "TokyoNagoya" not in index and "All" not in index:
        if not set(TSE_MARKETS) <= set(index):
            raise LayoutChanged(f"JPX {name}: markets incomplete (no 二市場)")
        picked = [index.index(market) for market in TSE_MARKETS]
        values = np.vstack([values, np.nansum(values[picked], axis=0)])
        index.append("TokyoNagoya")
    return pd.DataFrame(values, index=pd.Index(index, name=frame.index.name),
                        columns=list(columns))
