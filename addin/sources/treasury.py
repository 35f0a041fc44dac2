"""US Treasury daily par yield curve, one calendar year per file.

The Treasury's CSV export lists the newest day first, dates ``MM/DD/YYYY``, and its columns
change over the years (``4 Mo`` from October 2022, ``1.5 Month`` from February 2025), so
columns are mapped by name, never by position.

Unit: percent, as published (4.25 means 4.25%). Every tenor column is always present; a tenor
the Treasury did not quote on a day (or in a whole year) is NaN.
"""

from __future__ import annotations

import datetime
import io

import pandas as pd

from addin.errors import LayoutChanged
from addin.sources._cells import numbers
from addin.sources import fred
from addin.sources.base import DAILY, FRESHEST, RATE_RANGE, File, Origin, SeriesSpec, Source, Yearly

NAME = "US Treasury"
HOME = "https://home.treasury.gov/resource-center/data-chart-center/interest-rates/"
URL = (
    "https://home.treasury.gov/resource-center/data-chart-center/interest-rates/"
    "daily-treasury-rates.csv/all/{year}?type=daily_treasury_yield_curve"
    "&field_tdr_date_value={year}&page&_format=csv"
)
FILE = "daily-treasury-rates.csv"
EXPIRE = datetime.timedelta(hours=1)

TENOR_COLUMNS = {
    "1 Mo": "1M",
    "1.5 Month": "1.5M",
    "2 Mo": "2M",
    "3 Mo": "3M",
    "4 Mo": "4M",
    "6 Mo": "6M",
    "1 Yr": "1Y",
    "2 Yr": "2Y",
    "3 Yr": "3Y",
    "5 Yr": "5Y",
    "7 Yr": "7Y",
    "10 Yr": "10Y",
    "20 Yr": "20Y",
    "30 Yr": "30Y",
}
COLUMNS = tuple(TENOR_COLUMNS.values())
YEARLY = Yearly(first_year=1990)
# Treasury tenor -> FRED constant-maturity id, the second origin of each UST series.
FRED_IDS = {"1M": "DGS1MO", "2M": "DGS2MO", "3M": "DGS3MO", "4M": "DGS4MO", "6M": "DGS6MO",
            "1Y": "DGS1", "2Y": "DGS2", "3Y": "DGS3", "5Y": "DGS5", "7Y": "DGS7", "10Y": "DGS10",
            "20Y": "DGS20", "30Y": "DGS30"}


def download(key: str, get) -> bytes:
    """The CSV of one year (``key`` such as ``"2025"``) of the par yield curve."""
    year = YEARLY.year(key, "Treasury")
    return get(URL.format(year=year), check=parse, expire=EXPIRE)


def parse(raw: bytes) -> pd.DataFrame:
    """Turn one year's CSV into a frame.

    Args:
        raw: The bytes of ``daily-treasury-rates.csv``.

    Returns:
        Par yields in percent, columns ``1M`` ... ``30Y`` (see ``COLUMNS``), ascending ``date``
        index.

    Raises:
        LayoutChanged: No ``Date`` column, no known tenor column, a bad date or value.
    """
    table = _read_table(raw)
    known = [column for column in table.columns if column in TENOR_COLUMNS]
    if "Date" not in table.columns or not known:
        raise LayoutChanged(f"Treasury {FILE}: header 'Date,\"1 Mo\",...' not found")
    if table.empty:
        raise LayoutChanged(f"Treasury {FILE}: no data rows under the header")
    frame = _yields(table[known]).rename(columns=TENOR_COLUMNS)
    frame = frame.reindex(columns=list(COLUMNS))
    frame.index = pd.DatetimeIndex(_dates(table["Date"]), name="date")
    if frame.index.has_duplicates:
        raise LayoutChanged(f"Treasury {FILE}: a date appears twice")
    return frame.sort_index()


def _read_table(raw: bytes) -> pd.DataFrame:
    """The CSV as text cells, column names trimmed."""
    if raw[:512].replace(b"\xef\xbb\xbf", b"").lstrip().startswith(b"<"):
        raise LayoutChanged(f"Treasury {FILE}: got an HTML page, not CSV")
    try:
        table = pd.read_csv(io.BytesIO(raw), dtype=str, encoding="utf-8-sig")
    except (ValueError, UnicodeDecodeError):
        raise LayoutChanged(f"Treasury {FILE}: not a CSV table") from None
    table.columns = [str(column).strip() for column in table.columns]
    return table


def _yields(cells: pd.DataFrame) -> pd.DataFrame:
    """Cells as floats; an empty cell is a tenor not quoted that day."""
    values = numbers(cells.to_numpy(), f"Treasury {FILE}")
    return pd.DataFrame(values.reshape(cells.shape), index=cells.index, columns=cells.columns)


def _dates(cells: pd.Series) -> pd.Series:
    """``MM/DD/YYYY`` strings as timestamps."""
    stamps = pd.to_datetime(cells, format="%m/%d/%Y", errors="coerce")
    if stamps.isna().any():
        bad = cells[stamps.isna()].iloc[0]
        raise LayoutChanged(f"Treasury {FILE}: date {bad!r} is not MM/DD/YYYY")
    return stamps


def _series(tenor: str, fred_id: str) -> SeriesSpec:
    # One Treasury file per year: decades of history (and everything before 1990) come from
    # FRED's one long file instead. For "latest" both are asked and the newer observation wins,
    # so a Treasury year file that lags (or fails) never hides newer FRED days.
    treasury = Origin("treasury", None, tenor, since=YEARLY.first_date(), max_files=2)
    return SeriesSpec(f"UST{tenor}", f"US Treasury {tenor} par yield (Treasury; FRED {fred_id})",
                      "%", DAILY, (treasury, fred.origin(fred_id)), "USD", rule=FRESHEST,
                      plausible=RATE_RANGE)


SOURCE = Source(
    id="treasury", name=NAME, home=HOME, download=download, parse=parse,
    files=(File(URL, EXPIRE, "one calendar year per file"),), yearly=YEARLY,
    headline=lambda today: (str(today.year),),
    series=tuple(_series(tenor, fred_id) for tenor, fred_id in FRED_IDS.items()),
    probe=lambda today: str(today.year),
)
