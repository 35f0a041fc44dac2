"""FRED series through the public ``fredgraph.csv`` export (no API key).

The current export has the header ``observation_date,<ID>`` and leaves a missing day empty
(``2025-09-01,``); older exports used ``DATE,<ID>`` and ``.``. Both are read.

Unit: as FRED publishes the series (percent for DGS*/SOFR, yen per dollar for DEXJPUS ...).
"""

from __future__ import annotations

import datetime
import functools
import io
import re

import pandas as pd

from addin.errors import BadArgument, LayoutChanged
from addin.polite import Limits
from addin.sources.base import DAILY, RATE_RANGE, File, Origin, SeriesSpec, Source

NAME = "FRED"
HOME = "https://fred.stlouisfed.org/"
URL = "https://fred.stlouisfed.org/graph/fredgraph.csv?id={series_id}"
FILE = "fredgraph.csv"
EXPIRE = datetime.timedelta(hours=1)
DATE_HEADERS = ("observation_date", "DATE")
_ID = re.compile(r"[A-Za-z0-9_]{1,40}")

_BOM = b"\xef\xbb\xbf"


def download(key: str, get) -> bytes:
    """The CSV of the FRED series ``key`` (e.g. ``"DGS5"``), checked to hold that series."""
    series_id = str(key).strip()
    if not _ID.fullmatch(series_id):
        raise BadArgument(f"FRED id {key!r}: expected letters and digits like 'DGS5'")
    check = functools.partial(parse_series, series_id=series_id)
    return get(URL.format(series_id=series_id), check=check, expire=EXPIRE)


def parse(raw: bytes) -> pd.DataFrame:
    """Turn a ``fredgraph.csv`` body into a one-column frame named by the series id."""
    return parse_series(raw)


def parse_series(raw: bytes, series_id: str | None = None) -> pd.DataFrame:
    """Parse a ``fredgraph.csv`` body, optionally checking it holds ``series_id``.

    Args:
        raw: The CSV bytes.
        series_id: The id that was asked for; ``None`` accepts whatever the header names.

    Returns:
        One float column named exactly as in the header, ascending ``date`` index.

    Raises:
        LayoutChanged: An HTML page, an unknown header, another series, a bad date or value.
    """
    label = series_id or FILE
    header = _header(raw, label)
    if series_id and header[1].upper() != series_id.upper():
        raise LayoutChanged(f"FRED {label}: file holds {header[1][:20]!r} instead")
    table = _read_table(raw, header, label)
    values = table[header[1]]
    values.index = pd.DatetimeIndex(_dates(table[header[0]], label), name="date")
    if values.index.has_duplicates:
        raise LayoutChanged(f"FRED {label}: a date appears twice")
    return values.to_frame().sort_index()


def _header(raw: bytes, label: str) -> tuple[str, str]:
    """The two header fields: date column name and series id."""
    text = raw[:512].replace(_BOM, b"").lstrip()
    if text.startswith(b"<"):
        raise LayoutChanged(f"FRED {label}: got an HTML page, not CSV")
    first_line = text.split(b"\n", 1)[0].decode("utf-8", "replace").strip()
    fields = [field.strip().strip('"') for field in first_line.split(",")]
    if len(fields) != 2 or fields[0] not in DATE_HEADERS or not fields[1]:
        raise LayoutChanged(f"FRED {label}: header 'observation_date,<ID>' not found")
    return fields[0], fields[1]


def _read_table(raw: bytes, header: tuple[str, str], label: str) -> pd.DataFrame:
    """Date strings and float values; an empty field or ``.`` is a missing day."""
    try:
        table = pd.read_csv(
            io.BytesIO(raw),
            encoding="utf-8-sig",
            header=0,
            names=list(header),
            dtype={header[0]: str, header[1]: "float64"},
            na_values=["", "."],
            keep_default_na=False,
        )
    except ValueError:
        raise LayoutChanged(f"FRED {label}: values are not numbers") from None
    if table.empty:
        raise LayoutChanged(f"FRED {label}: no data rows under the header")
    return table


def _dates(cells: pd.Series, label: str) -> pd.Series:
    """ISO ``YYYY-MM-DD`` strings as timestamps."""
    stamps = pd.to_datetime(cells, format="%Y-%m-%d", errors="coerce")
    if stamps.isna().any():
        bad = cells[stamps.isna()].iloc[0]
        raise LayoutChanged(f"FRED {label}: date {bad!r} is not YYYY-MM-DD")
    return stamps


def origin(series_id: str, **window) -> Origin:
    """The FRED origin of a series: the file of ``series_id``, its one column."""
    return Origin("fred", series_id, series_id, **window)


def raw_series(rest: str) -> SeriesSpec | None:
    """``FRED:<id>``: any FRED series, in FRED's unit."""
    if not _ID.fullmatch(rest):
        return None
    return SeriesSpec(f"FRED:{rest}", f"FRED series {rest}", "as FRED", DAILY, (origin(rest),))


SOURCE = Source(
    id="fred", name=NAME, home=HOME, download=download, parse=parse,
    files=(File(URL, EXPIRE, "one series per file, no key"),),
    headline=("SOFR", "DEXJPUS", "DGS5"),
    series=(
        SeriesSpec("SOFR", "Secured Overnight Financing Rate (FRED SOFR; New York Fed API)", "%",
                   DAILY, (origin("SOFR"), Origin("nyfed", None, "SOFR")), "USD",
                   plausible=RATE_RANGE),
    ),
    raw_prefix="FRED", raw_series=raw_series, probe="SOFR",
    limits=Limits(in_flight=2, per_second=2.0),  # FRED rate-limits per second since 2026
    attribution="Source: Federal Reserve Bank of St. Louis, FRED",
)
