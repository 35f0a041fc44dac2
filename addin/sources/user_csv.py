"""A user's own ``date,value`` CSV, from a local file or an http(s) URL (``JPFLOWS_CSV_<NAME>``).

``key`` is the path or URL. The unit is whatever the file holds. The frame has one float column,
``value``, indexed by date; a repeated date keeps its last row.

Recognised layouts: a header whose first column is the date (``date``, ``Date``,
``observation_date``, or any name when its cells are dates) and whose value column is ``value``,
``Close`` or ``Adj Close`` (any case), or else the only other numeric column; this covers FRED
downloads and yfinance's ``Date,Close,High,Low,Open,Volume`` (also its three-row header). A file
without a header is read as ``date,value``. Dates must be ``YYYY-MM-DD`` (a time after it is
ignored) or ``YYYY/M/D``; ``MM/DD/YYYY`` is ambiguous and rejected. UTF-8 (with or without BOM)
or CP932, CRLF or LF, ``,`` or ``;`` separated.
"""

from __future__ import annotations

import io
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import numpy as np
import pandas as pd

from addin.errors import LayoutChanged, SourceUnavailable
from addin.sources._cells import numbers
from addin.sources.base import DAILY, Origin, SeriesSpec, Source

NAME = "CSV"
EXPIRE = timedelta(minutes=15)
MAX_LOCAL_BYTES = 64 * 1024 * 1024  # the download cap (Config.max_response_bytes), for local files
DATE_NAMES = ("date", "observation_date")
VALUE_NAMES = ("value", "close", "adj close")

_DATE = r"(?P<year>\d{4})(?P<sep>[-/])(?P<month>\d{1,2})(?P=sep)(?P<day>\d{1,2})(?:[ T].*)?"
_MISSING = ("", ".", "na", "n/a", "#n/a", "null", "nan", "-")
_LABEL = "user CSV"


def is_url(key: str) -> bool:
    """True when ``key`` is an http(s) URL rather than a local path."""
    return key.strip().lower().startswith(("http://", "https://"))


def download(key: str, get) -> bytes:
    """Read the file at ``key``: a URL through ``get``, a local path from disk.

    Raises:
        SourceUnavailable: the local file is missing or unreadable.
    """
    if is_url(key):
        return get(key.strip(), check=parse, expire=EXPIRE)
    path = Path(key.strip()).expanduser()
    try:
        if path.stat().st_size > MAX_LOCAL_BYTES:  # as a download would be: never read whole
            raise LayoutChanged(f"CSV file {_short(path)} is larger than {MAX_LOCAL_BYTES:,} bytes")
        return path.read_bytes()
    except FileNotFoundError:
        raise SourceUnavailable(f"CSV file not found: {_short(path)}") from None
    except OSError as exc:
        raise SourceUnavailable(f"CSV file unreadable ({exc.strerror}): {_short(path)}") from None


def _short(path: Path) -> str:
    """Keep the end of a long path: the Excel cell has room for about 40 characters of it."""
    text = str(path)
    return text if len(text) <= 40 else "..." + text[-37:]


def parse(raw: bytes) -> pd.DataFrame:
    """Turn a user CSV into a float column ``value`` with an ascending date index.

    Raises:
        LayoutChanged: no date column, no value column, a bad date or a non-numeric value.
    """
    table, sep = _read(_decode(raw))
    table = _without_yfinance_rows(table)
    date_column = table.columns[0]
    if str(date_column).strip().lower() not in DATE_NAMES and not _all_dates(table[date_column]):
        raise LayoutChanged(f"{_LABEL}: first column {str(date_column)[:20]!r} is not dates")
    dates = _dates(table[date_column])
    grouped = sep == ","
    values = _numbers(table[_value_column(table, grouped)], grouped)
    frame = pd.DataFrame({"value": values}, index=pd.DatetimeIndex(dates, name="date"))
    return frame[~frame.index.duplicated(keep="last")].sort_index()


def _decode(raw: bytes) -> str:
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        # Excel on a Japanese Windows saves CSV as CP932.
        try:
            return raw.decode("cp932")
        except UnicodeDecodeError:
            raise LayoutChanged(f"{_LABEL}: neither UTF-8 nor CP932 text") from None


def _read(text: str) -> tuple[pd.DataFrame, str]:
    first = next((line for line in text.splitlines() if line.strip()), "")
    sep = ";" if ";" in first and "," not in first else ","
    table = _read_csv(text, sep, header=0)
    if _all_dates(pd.Series([str(table.columns[0])])):
        # No header: the first row is already data.
        table = _read_csv(text, sep, header=None)
        table.columns = ["date", *[f"column{i}" for i in range(1, table.shape[1])]]
    if table.empty or table.shape[1] < 2:
        raise LayoutChanged(f"{_LABEL}: expected a date column, a value column and rows")
    return table, sep


def _read_csv(text: str, sep: str, header) -> pd.DataFrame:
    try:
        return pd.read_csv(io.StringIO(text), sep=sep, header=header, dtype=str,
                           keep_default_na=False, skip_blank_lines=True)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, ValueError):
        raise LayoutChanged(f"{_LABEL}: not a readable date,value CSV") from None


def _without_yfinance_rows(table: pd.DataFrame) -> pd.DataFrame:
    """yfinance writes ``Price,Close,...`` then ``Ticker,...`` and ``Date,,...`` rows."""
    if str(table.columns[0]).strip().lower() != "price":
        return table
    first_cells = table.iloc[:, 0].str.strip().str.lower()
    lead = 0
    while lead < min(2, len(table)) and first_cells.iloc[lead] in ("ticker", "date"):
        lead += 1
    return table.iloc[lead:].rename(columns={table.columns[0]: "Date"}).reset_index(drop=True)


def _value_column(table: pd.DataFrame, grouped: bool) -> str:
    others = list(table.columns[1:])
    for wanted in VALUE_NAMES:
        for column in others:
            if str(column).strip().lower() == wanted:
                return column
    numeric = [column for column in others if _is_numeric(table[column], grouped)]
    if len(numeric) == 1:
        return numeric[0]
    names = ",".join(str(c) for c in others)
    raise LayoutChanged(f"{_LABEL}: no 'value' column among {names}"[:75])


def _all_dates(cells: pd.Series) -> bool:
    text = cells.astype(str).str.strip()
    text = text[text != ""]
    return bool(len(text)) and bool(text.str.fullmatch(_DATE).all())


def _dates(cells: pd.Series) -> pd.Series:
    text = cells.astype(str).str.strip()
    parts = text.str.extract(f"^{_DATE}$")
    dates = pd.to_datetime(parts[["year", "month", "day"]].astype(float), errors="coerce")
    if dates.isna().any():
        bad = text[dates.isna()].iloc[0]
        raise LayoutChanged(f"{_LABEL}: date {bad[:20]!r} is not YYYY-MM-DD or YYYY/M/D")
    return dates


def _is_numeric(cells: pd.Series, grouped: bool) -> bool:
    try:
        _numbers(cells, grouped)
    except LayoutChanged:
        return False
    return True


def _numbers(cells: pd.Series, grouped: bool) -> np.ndarray:
    """Floats. In a comma CSV a quoted ``"2,288.66"`` has a thousands separator; in a ``;`` CSV
    a comma could be a decimal mark, so it is rejected rather than guessed."""
    return numbers(cells, _LABEL, _MISSING, thousands=grouped)


def series_for(series_id: str, location: str, replaces: SeriesSpec | None) -> SeriesSpec:
    """The spec of ``CSV:<NAME>``, or of a catalogue id whose ``JPFLOWS_CSV_<ID>`` replaces it."""
    origin = Origin("csv", location, "value")
    if replaces is None:
        return SeriesSpec(series_id, f"User CSV {series_id}", "as in file", DAILY, (origin,))
    return replace(replaces, description=replaces.description + " [from user CSV]",
                   origins=(origin,))


SOURCE = Source(id="csv", name=NAME, home="", download=download, parse=parse,
                where=lambda key: key.strip())
