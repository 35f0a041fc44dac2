"""MOF monthly balance of payments, portfolio investment (付表3 ``6pi-1.csv``, ``6pi-2.csv``).

Monthly since 1996 (6pi-1) or 2014 (6pi-2); the latest months are preliminary, marked ``(P)``
(see :func:`preliminary_months`). Only the monthly section is read; the calendar-year rows are
sums of it. Unit: JPY billions (the files' 100 million yen divided by 10); a ``--`` cell is NaN.
Each month is dated by its last day. Columns are ``(market, investor, measure)``, market ``"All"``.

``6pi-1`` (summary): ``Resident:*`` = residents buying foreign securities (assets block),
``Foreign:*`` = non-residents buying Japanese securities (liabilities block), each for
``Equity``, ``LongTermDebt``, ``ShortTermDebt`` (``buy``/``sell``/``net``) and ``Total``
(``net``).

``6pi-2`` (residents' purchases of foreign securities by investor type): investors are
``Resident:<Type>:<Asset>`` with ``buy``/``sell``/``net``. ``<Type>`` is the English column header
in CamelCase, without the sector letter and anything after a comma (``Life insurance companies``
-> ``LifeInsuranceCompanies``, ``Banks（banking accounts)`` -> ``BanksBankingAccounts``,
``Total（a+b+c+ｄ)`` -> ``Total``); ``<Asset>`` is the part of the English title after " - "
named as in 6pi-1 (``... by Types of Investors - Total`` -> ``Total``, all securities).
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata

import numpy as np
import pandas as pd

from addin.errors import LayoutChanged
from addin.sources import mof_bop_page
from addin.sources.mof_bop_page import EXPIRE, PAGE_EXPIRE, PAGE_URL, SETTING, URLS
from addin.sources._cells import numbers
from addin.sources.base import MONTHLY, File, FlowSpec, Source
from addin.sources.mof_weekly import ASSET_WORDS, SIDE_WORDS

NAME = "MOF BoP portfolio"
HOME = "https://www.mof.go.jp/english/policy/international_policy/reference/balance_of_payments/"

MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
MEASURES = {"Acquisition": "buy", "Disposition": "sell", "Net": "net"}
ASSETS = {
    "Equity and investment fund shares": "Equity",
    "Long-term debt securities": "LongTermDebt",
    "Short-term debt securities": "ShortTermDebt",
    "Total": "Total",
}
SUMMARY_COLUMNS = tuple(
    (f"{side}:{asset}", measure)
    for side in ("Resident", "Foreign")
    for asset, measures in (
        ("Equity", ("buy", "sell", "net")),
        ("LongTermDebt", ("buy", "sell", "net")),
        ("ShortTermDebt", ("buy", "sell", "net")),
        ("Total", ("net",)),
    )
    for measure in measures
)

_TITLE = re.compile(r"^\s*(6pi-\d+)")
_UNIT = re.compile(r"100\s*million\s*Yen", re.IGNORECASE)
_MONTH = re.compile(r"^\s*(?P<month>" + "|".join(MONTHS) + r")\s*(?P<p>\(P\))?\s*$")
_YEAR = re.compile(r"^\s*(?:\d{4})?\s*$")
_SECTOR_LETTER = re.compile(r"\(\s*[a-d](?:\s*\+\s*[a-d])*\s*\)")
_HEAD_ROWS = 12  # the titles and unit sit in the first rows, before the notes


def download(key: str, get, setting: str | None = None) -> bytes:
    """Fetch one table (``"6pi-1"`` summary, ``"6pi-2"`` by investor type), checked by
    :func:`parse` before it is cached; where it is found: :mod:`addin.sources.mof_bop_page`."""
    return mof_bop_page.fetch(key, get, parse, setting)


def parse(raw: bytes) -> pd.DataFrame:
    """Turn a ``6pi-1.csv`` or ``6pi-2.csv`` (told apart by its title) into monthly flows.

    Args:
        raw: The file's bytes (CP932).

    Returns:
        JPY billions, columns ``(market, investor, measure)``, index ``date`` = month end.

    Raises:
        LayoutChanged: The bytes do not have the MOF layout.
    """
    grid = _grid(raw)
    table = _table(grid)
    file = f"MOF {table}.csv"
    if not grid.head(_HEAD_ROWS).apply(lambda c: c.str.contains(_UNIT)).to_numpy().any():
        raise LayoutChanged(f"{file}: unit '(100 million Yen)' not found")
    columns = _summary_columns(grid, file) if table == "6pi-1" else _investor_columns(grid, file)
    rows, dates, _ = _monthly(grid, file)
    values = _numbers(rows[[field for _, field in columns]], dates, file)
    keys = [("All", *key) for key, _ in columns]
    index = pd.MultiIndex.from_tuples(keys, names=["market", "investor", "measure"])
    return pd.DataFrame(values / 10.0, index=dates, columns=index)


def preliminary_months(body: bytes) -> list[pd.Timestamp]:
    """Month ends of the rows marked ``(P)`` (preliminary) in a 6pi file.

    Args:
        body: The bytes of ``6pi-1.csv`` or ``6pi-2.csv``.

    Returns:
        Month-end timestamps, oldest first (empty when no month is preliminary).

    Raises:
        LayoutChanged: The bytes do not have the MOF layout.
    """
    grid = _grid(body)
    _, dates, preliminary = _monthly(grid, f"MOF {_table(grid)}.csv")
    return list(dates[preliminary])


def _grid(raw: bytes) -> pd.DataFrame:
    """Every CSV record as a row of strings, short rows padded with ``""``."""
    if raw.lstrip().startswith(b"<"):
        raise LayoutChanged("MOF 6pi csv: got an HTML page, not CSV")
    try:
        text = raw.decode("cp932")
    except UnicodeDecodeError:
        raise LayoutChanged("MOF 6pi csv: not CP932 (Shift_JIS) text") from None
    records = list(csv.reader(io.StringIO(text, newline="")))
    if not records:
        raise LayoutChanged("MOF 6pi csv: file is empty")
    width = max(len(record) for record in records)
    return pd.DataFrame([record + [""] * (width - len(record)) for record in records], dtype=object)


def _table(grid: pd.DataFrame) -> str:
    """``6pi-1`` or ``6pi-2``, from the title lines at the top of the file."""
    found = set(grid[0].head(_HEAD_ROWS).str.extract(_TITLE)[0].dropna())
    if len(found) != 1 or not found <= {"6pi-1", "6pi-2"}:
        raise LayoutChanged("MOF 6pi csv: title '6pi-1' or '6pi-2' not found")
    return found.pop()


def _measure_row(grid: pd.DataFrame, file: str) -> int:
    """The English measure header (``Acquisition, Disposition, Net, ...``)."""
    hits = np.flatnonzero((grid.apply(lambda c: c.str.strip()) == "Acquisition").any(axis=1))
    if not len(hits):
        raise LayoutChanged(f"{file}: header 'Acquisition,Disposition,Net' not found")
    return int(hits[0])


def _summary_columns(grid: pd.DataFrame, file: str) -> list[tuple[tuple[str, str], int]]:
    """6pi-1: ``((investor, measure), field)``, mapped by the header text."""
    measure_row = _measure_row(grid, file)
    cells = grid.apply(lambda c: c.str.strip())
    asset_rows = np.flatnonzero((cells.iloc[:measure_row] == next(iter(ASSETS))).any(axis=1))
    liabilities = cells.apply(lambda c: c.str.contains("Portfolio Investment Liabilities"))
    border = np.flatnonzero(liabilities.any())
    if not len(asset_rows) or not len(border):
        raise LayoutChanged(f"{file}: asset or 'Liabilities' header not found")
    assets = cells.iloc[asset_rows[-1]].replace("", np.nan).ffill()
    found = []
    for field, measure in cells.iloc[measure_row].items():
        if measure in MEASURES:
            side = "Foreign" if field >= border[0] else "Resident"
            investor = f"{side}:{ASSETS.get(assets[field], assets[field])}"
            found.append(((investor, MEASURES[measure]), field))
    if sorted(key for key, _ in found) != sorted(SUMMARY_COLUMNS):
        raise LayoutChanged(f"{file}: expected equity/LT/ST/total columns on both sides")
    return found


def _investor_columns(grid: pd.DataFrame, file: str) -> list[tuple[tuple[str, str], int]]:
    """6pi-2: ``((investor, measure), field)`` for each investor type's three columns."""
    measure_row = _measure_row(grid, file)
    measures = grid.iloc[measure_row].str.strip()
    starts = [f for f, m in measures.items() if m == "Acquisition"]
    title = _title_asset(grid, file)
    asset = ASSETS.get(title) or _camel(title)
    labels = _english_labels(grid, measure_row)
    found, seen = [], set()
    for start in starts:
        if list(measures.iloc[start : start + 3]) != list(MEASURES) or not labels.get(start):
            raise LayoutChanged(f"{file}: investor header not found above field {start}")
        investor = f"Resident:{_camel(labels[start])}:{asset}"
        if investor in seen:
            raise LayoutChanged(f"{file}: investor {investor} appears twice")
        seen.add(investor)
        found += [((investor, MEASURES[m]), start + i) for i, m in enumerate(MEASURES)]
    return found


def _title_asset(grid: pd.DataFrame, file: str) -> str:
    """The asset in the English title, ``... by Types of Investors - Total`` -> ``Total``."""
    titles = grid[0].head(_HEAD_ROWS).str.extract(r"^\s*6pi-\d+\s+[A-Za-z].*\s-\s*(.+?)\s*$")[0]
    if titles.dropna().empty:
        raise LayoutChanged(f"{file}: English title '6pi-2 ... - Total' not found")
    return titles.dropna().iloc[0]


def _english_labels(grid: pd.DataFrame, measure_row: int) -> dict[int, str]:
    """Field -> the English header text above it, joined across the header rows."""
    top = measure_row
    while top > 0 and (grid.iloc[top - 1, 4:].str.strip() != "").any():
        top -= 1  # the header block is the run of rows with text right of the labels
    block = grid.iloc[top:measure_row].apply(lambda c: c.str.normalize("NFKC").str.strip())
    english = block.where(block.apply(lambda c: c.str.contains("[A-Za-z]")), "")
    joined = english.apply(lambda c: " ".join(t for t in c if t))
    return {field: text for field, text in joined.items() if text}


def _camel(label: str) -> str:
    """``Trust banks(banking accounts)`` -> ``TrustBanksBankingAccounts``."""
    text = _SECTOR_LETTER.sub(" ", unicodedata.normalize("NFKC", label)).split(",")[0]
    return "".join(word[:1].upper() + word[1:] for word in re.split(r"[^A-Za-z0-9]+", text))


def _monthly(grid: pd.DataFrame, file: str) -> tuple[pd.DataFrame, pd.DatetimeIndex, np.ndarray]:
    """Rows of the monthly section, their month ends, and which are preliminary."""
    marks = np.flatnonzero(grid[0].str.strip() == "(Monthly figures)")
    if not len(marks):
        raise LayoutChanged(f"{file}: section '(Monthly figures)' not found")
    block = grid.iloc[marks[0] + 1 :]
    blank = np.flatnonzero((block == "").all(axis=1).to_numpy())
    rows = block.iloc[: blank[0] if len(blank) else len(block)]
    if rows.empty:
        raise LayoutChanged(f"{file}: no rows under '(Monthly figures)'")
    month = rows[3].str.normalize("NFKC").str.extract(_MONTH)
    if month["month"].isna().any():
        bad = rows[3][month["month"].isna()].iloc[0]
        raise LayoutChanged(f"{file}: month {bad!r} is not like 'Jan' or 'Apr(P)'")
    dates = _month_ends(rows[2], month["month"], file)
    return rows, dates, month["p"].notna().to_numpy()


def _month_ends(years: pd.Series, months: pd.Series, file: str) -> pd.DatetimeIndex:
    """Month ends; the year is printed on January rows only and carried down."""
    if not years.str.match(_YEAR).all():
        raise LayoutChanged(f"{file}: year {years[~years.str.match(_YEAR)].iloc[0]!r} not YYYY")
    year = pd.to_numeric(years.str.strip().replace("", np.nan)).ffill()
    number = months.map({name: i + 1 for i, name in enumerate(MONTHS)}).astype("float64")
    steps = np.diff((year * 12 + number).to_numpy())
    if year.isna().iloc[0] or not (steps == 1).all():
        raise LayoutChanged(f"{file}: monthly rows are not consecutive months")
    firsts = pd.to_datetime(pd.DataFrame({"year": year, "month": number, "day": 1}))
    return pd.DatetimeIndex(firsts + pd.offsets.MonthEnd(0), name="date")


def _numbers(cells: pd.DataFrame, dates: pd.DatetimeIndex, file: str) -> np.ndarray:
    """``"1,234"`` -> 1234.0; ``--`` and empty cells -> NaN."""
    width = cells.shape[1]
    values = numbers(cells.to_numpy(), file, ("", "--"),
                     where=lambda at: f"({dates[at // width]:%Y-%m})")
    return values.reshape(cells.shape)


PLAUSIBLE = (-1_000_000.0, 1_000_000.0)  # JPY bn a month; gross purchases reach ~170,000
_BY_TYPE = re.compile(r"Resident:[A-Za-z]+:[A-Za-z]+", re.IGNORECASE)


def raw_flows(flow_id: str) -> FlowSpec | None:
    """``BOP:Resident:<Type>:<Asset>``: residents' purchases by investor type (6pi-2)."""
    prefix, _, rest = flow_id.strip().partition(":")
    if prefix.upper() != "BOP" or not _BY_TYPE.fullmatch(rest):
        return None
    return FlowSpec(f"BOP:{rest}", f"Residents' purchases of foreign securities: {rest}",
                    "mof_bop", "6pi-2", rest, MONTHLY, plausible=PLAUSIBLE)


def discovered(key: str, investors) -> tuple[FlowSpec, ...]:
    """The investor types a loaded 6pi-2 file carries, as flow specs."""
    if key != "6pi-2":
        return ()
    return tuple(spec for name in investors if (spec := raw_flows(f"BOP:{name}")) is not None)


SOURCE = Source(
    id="mof_bop", name=NAME, home=HOME, download=download, parse=parse,
    files=(File(PAGE_URL, PAGE_EXPIRE, "MOF's balance-of-payments data page, linking the files"),
           *(File(url, EXPIRE, table) for table, url in URLS.items()),
           File("https://www.mof.go.jp/<where the page links>/6pi-1.csv", EXPIRE,
                "the summary table, wherever the page links it")),
    headline=("6pi-1",),
    flows=tuple(FlowSpec(f"BOP:{side}:{asset}", text.format(words) + " (MOF BoP monthly)",
                         "mof_bop", "6pi-1", f"{side}:{asset}", MONTHLY, plausible=PLAUSIBLE)
                for side, text in SIDE_WORDS.items() for asset, words in ASSET_WORDS.items()),
    raw_flows=raw_flows, discovered=discovered, probe="6pi-1", setting=SETTING,
    attribution="Source: Ministry of Finance Japan, Balance of Payments",
)
