"""Nikkei Inc.'s official daily file of the Nikkei Stock Average (Nikkei 225), in index points.

``https://indexes.nikkei.co.jp/nkave/historical/nikkei_stock_average_daily_en.csv`` is free and
needs no key, but holds only about the last three years of days (the monthly file goes back ten).
Its layout, as public clients of the file describe it (no copy could be read here): a header row
``date, close, open, high, low`` (the close comes *first*; the English header names are not
relied upon beyond their words), every field quoted, dates ``YYYY/MM/DD``, prices without
thousands separators, oldest day first, and a closing note row that is not a date. The Japanese
twin (``..._daily_jp.csv``) is Shift_JIS with the header ``データ日付,終値,始値,高値,安値``; both
are read.

Frame: float columns ``Close``, ``Open``, ``High``, ``Low``, index ``date``.
"""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta

import numpy as np
import pandas as pd

from addin.errors import LayoutChanged
from addin.polite import Limits
from addin.sources import fred
from addin.sources._cells import numbers
from addin.sources.base import DAILY, File, Origin, SeriesSpec, Source

NAME = "Nikkei"
HOME = "https://indexes.nikkei.co.jp/en/nkave/archives/data"
URL = "https://indexes.nikkei.co.jp/nkave/historical/nikkei_stock_average_daily_en.csv"
FILE = "Nikkei nikkei_stock_average_daily_en.csv"
EXPIRE = timedelta(hours=6)
HISTORY_DAYS = 900  # the file keeps about three years; windows older than this go elsewhere
# Header words -> frame column; English and Japanese, matched inside each header cell.
WORDS = {"Close": ("clos", "終値"), "Open": ("open", "始値"), "High": ("high", "高値"),
         "Low": ("low", "安値")}
_DATE = re.compile(r"\d{4}[/-]\d{1,2}[/-]\d{1,2}")
# Public clients of the file send a browser's headers; a script's default may be refused.
HEADERS = {"User-Agent": "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 "
                         "(KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36",
           "Accept": "text/csv,*/*"}


def download(key: str, get) -> bytes:
    """The daily file (``key`` is ignored: the source is one file)."""
    return get(URL, check=parse, expire=EXPIRE)


def parse(raw: bytes) -> pd.DataFrame:
    """Turn the daily file into float columns Close, Open, High, Low.

    Raises:
        LayoutChanged: HTML, no date/close header, a row that is neither a day nor the closing
            note, or a price that is not a number.
    """
    rows = _records(_text(raw))
    at = _header_at(rows)
    columns = _columns(rows[at])
    days = _day_rows(rows[at + 1:])
    dates = pd.to_datetime([row[0].strip().replace("-", "/") for row in days], format="%Y/%m/%d",
                           errors="coerce")
    if dates.isna().any():
        raise LayoutChanged(f"{FILE}: date {days[int(np.flatnonzero(dates.isna())[0])][0]!r}")
    values = {name: numbers([_cell(row, field) for row in days], FILE, ("", "-"))
              for name, field in columns.items()}
    frame = pd.DataFrame(values, index=pd.DatetimeIndex(dates, name="date"))
    return frame[~frame.index.duplicated(keep="last")].sort_index()


def _text(raw: bytes) -> str:
    if raw[:512].lstrip().startswith(b"<"):
        raise LayoutChanged(f"{FILE}: got an HTML page, not CSV")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:  # the Japanese twin, and notes in Japanese
        try:
            return raw.decode("cp932")
        except UnicodeDecodeError:
            raise LayoutChanged(f"{FILE}: neither UTF-8 nor Shift_JIS text") from None


def _records(text: str) -> list[list[str]]:
    try:
        return [row for row in csv.reader(io.StringIO(text, newline="")) if any(c.strip() for c in row)]
    except csv.Error:
        raise LayoutChanged(f"{FILE}: not CSV") from None


def _header_at(rows: list[list[str]]) -> int:
    """The header: the first row whose first cell names the date and another the close."""
    for at, row in enumerate(rows[:5]):
        first = row[0].strip().lower() if row else ""
        if ("date" in first or "日付" in first) and _find(row, WORDS["Close"]) is not None:
            return at
    raise LayoutChanged(f"{FILE}: header 'date, close, open, high, low' not found")


def _columns(header: list[str]) -> dict[str, int]:
    """Frame column -> field, found by the header's words; the close must be there."""
    found = {name: _find(header, words) for name, words in WORDS.items()}
    return {name: field for name, field in found.items() if field is not None}


def _find(row: list[str], words: tuple[str, ...]) -> int | None:
    return next((i for i, cell in enumerate(row) if i and any(w in cell.lower() for w in words)),
                None)


def _day_rows(rows: list[list[str]]) -> list[list[str]]:
    """The rows of days; after them only notes (rows not starting with a date) may follow."""
    count = next((i for i, row in enumerate(rows) if not _DATE.fullmatch(row[0].strip())),
                 len(rows))
    if count == 0:
        raise LayoutChanged(f"{FILE}: header but no days under it")
    late = [row for row in rows[count:] if _DATE.fullmatch(row[0].strip())]
    if late:
        raise LayoutChanged(f"{FILE}: day {late[0][0].strip()!r} after the closing note")
    return rows[:count]


def _cell(row: list[str], field: int) -> str:
    return row[field] if field < len(row) else ""


SOURCE = Source(
    id="nikkei", name=NAME, home=HOME, download=download, parse=parse,
    files=(File(URL, EXPIRE, "daily close, open, high, low; about three years, no key",
                note="Nikkei's free daily file holds about three years; older days from Stooq "
                     "(key) or FRED"),),
    headers=HEADERS, headline=("",),
    series=(SeriesSpec(
        "NIKKEI225", "Nikkei 225 index close (Nikkei daily CSV; Stooq ^nkx; FRED NIKKEI225)",
        "index points", DAILY,
        (Origin("nikkei", "", "Close", recent_days=HISTORY_DAYS), Origin("stooq", "^nkx", "Close"),
         fred.origin("NIKKEI225")), plausible=(10.0, 1_000_000.0)),),
    probe="", attribution="Nikkei Stock Average: Nikkei Inc.",
    limits=Limits(in_flight=1, per_second=1.0),  # no published limit: one request at a time
)
