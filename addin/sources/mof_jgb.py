"""MOF JGB constant-maturity yields, 1Y to 40Y, daily since 1974-09-24.

The Ministry of Finance publishes the history (``jgbcme_all.csv``) and the current month
(``jgbcme.csv``) as two files; the history lags, so both are read and merged, the current-month
file winning where the two overlap. :func:`parse_file` also reads the Japanese twins
(``jgbcm_all.csv`` / ``jgbcm.csv``: Shift_JIS or UTF-8, era dates such as ``R7.4.7``).

Unit: percent, as published (1.15 means 1.15%). A tenor not yet issued on a date is NaN.
"""

from __future__ import annotations

import datetime
import io
import re

import pandas as pd

from addin.errors import LayoutChanged, SourceUnavailable
from addin.sources.base import DAILY, RATE_RANGE, File, Origin, SeriesSpec, Source

NAME = "MOF JGB"
HOME = "https://www.mof.go.jp/english/policy/jgbs/reference/interest_rate/index.htm"
HISTORY_URL = (
    "https://www.mof.go.jp/english/policy/jgbs/reference/interest_rate/historical/jgbcme_all.csv"
)
CURRENT_URL = "https://www.mof.go.jp/english/policy/jgbs/reference/interest_rate/jgbcme.csv"
HISTORY_FILE = "jgbcme_all.csv"
CURRENT_FILE = "jgbcme.csv"
HISTORY_EXPIRE = datetime.timedelta(days=1)
CURRENT_EXPIRE = datetime.timedelta(hours=1)

TENORS = (1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 15, 20, 25, 30, 40)
COLUMNS = tuple(f"{years}Y" for years in TENORS)
ENGLISH_HEADER = ("Date", *COLUMNS)
JAPANESE_HEADER = ("基準日", *(f"{years}年" for years in TENORS))
ERA_OFFSETS = {"M": 1867, "T": 1911, "S": 1925, "H": 1988, "R": 2018}

_HEADER_TEXT = "'Date,1Y,...,40Y'"
_SEARCH_LINES = 30  # title and header sit at the top; a few spare lines tolerate extra notes
_DATE_FIELD = re.compile(r"\d{4}/\d{1,2}/\d{1,2}|[MTSHR]\d{1,2}\.\d{1,2}\.\d{1,2}")
_DATED_LINE = re.compile(r"^\s*(?:\d{4}/\d|[MTSHR]\d{1,2}\.\d)", re.MULTILINE)
_ERA_DATE = r"^([MTSHR])(\d{1,2})\.(\d{1,2})\.(\d{1,2})$"
_CSV_OPTIONS = {
    "header": None,
    "names": ["date", *COLUMNS],
    "dtype": {"date": str, **{column: "float64" for column in COLUMNS}},
    "na_values": ["-"],  # MOF marks every missing tenor; a blank cell means a short row
    "keep_default_na": False,
    "skipinitialspace": True,
    "engine": "c",
}


def download(key: str, get) -> tuple[bytes, bytes]:
    """Fetch the history and the current-month file.

    Args:
        key: Ignored; the source is one pair of files (pass ``""``).
        get: The injected HTTP getter.

    Returns:
        ``(history_bytes, current_bytes)``; ``current_bytes`` is ``b""`` when the current-month
        file could not be fetched, so the history still answers.
    """
    history = get(HISTORY_URL, check=check_history, expire=HISTORY_EXPIRE)
    try:
        current = get(CURRENT_URL, check=check_current, expire=CURRENT_EXPIRE)
    except SourceUnavailable:
        # Losing the last few days beats losing fifty years of history.
        current = b""
    return history, current


def check_history(body: bytes) -> pd.DataFrame:
    """Parse a downloaded ``jgbcme_all.csv`` (raises ``LayoutChanged`` when it is not one)."""
    return parse_file(body, HISTORY_FILE)


def check_current(body: bytes) -> pd.DataFrame:
    """Parse a downloaded ``jgbcme.csv``; a header with no rows yet is a valid new month."""
    return parse_file(body, CURRENT_FILE, allow_empty=True)


def parse(raw: tuple[bytes, bytes]) -> pd.DataFrame:
    """Merge the history and the current month into one frame.

    Args:
        raw: ``(history_bytes, current_bytes)`` from :func:`download`; ``current_bytes`` may be
            ``b""`` (no current month).

    Returns:
        Yields in percent, columns ``1Y`` ... ``40Y``, ascending ``date`` index.
    """
    history_body, current_body = raw
    history = parse_file(history_body, HISTORY_FILE)
    if not current_body:
        return history
    current = parse_file(current_body, CURRENT_FILE, allow_empty=True)
    older = history[~history.index.isin(current.index)]
    return pd.concat([older, current]).sort_index()


def parse_file(body: bytes, name: str = "JGB CSV", allow_empty: bool = False) -> pd.DataFrame:
    """Parse one MOF JGB file, English or Japanese, history or current month.

    Args:
        body: The file's bytes.
        name: File name used in error messages.
        allow_empty: Accept a header with no rows (the current month on its first day).

    Returns:
        Yields in percent, columns ``1Y`` ... ``40Y``, ascending ``date`` index.

    Raises:
        LayoutChanged: The bytes do not have the MOF layout.
    """
    text = _decode(body, name)
    start, header = _find_header(text, name)
    _check_header(header, name)
    end = _data_end(text, start, name)
    if allow_empty and not text[start:end].strip():
        return pd.DataFrame({c: pd.Series(dtype="float64") for c in COLUMNS},
                            index=pd.DatetimeIndex([], name="date"))
    frame = _read_rows(text[start:end], name)
    frame.index = pd.DatetimeIndex(_parse_dates(frame.pop("date"), name), name="date")
    return _finish(frame, name)


def _decode(body: bytes, name: str) -> str:
    """The file as text: UTF-8 when it decodes as such, else Shift_JIS (cp932)."""
    if not body.strip():
        raise LayoutChanged(f"MOF {name}: file is empty")
    if body.lstrip().startswith(b"<"):
        raise LayoutChanged(f"MOF {name}: got an HTML page, not CSV")
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        try:
            text = body.decode("cp932")
        except UnicodeDecodeError:
            raise LayoutChanged(f"MOF {name}: neither UTF-8 nor Shift_JIS text") from None
    return text.lstrip("\ufeff")


def _find_header(text: str, name: str) -> tuple[int, str]:
    """Offset where data rows start, and the header line above them.

    The header is the line whose first field is ``Date``/``基準日``, or else the line just
    above the first dated row (a file whose Japanese text was mangled keeps only the latter).
    """
    position, previous = 0, None
    for line in text[:8192].split("\n")[:_SEARCH_LINES]:
        stripped = line.strip()
        first = stripped.split(",", 1)[0].strip().strip('"')
        if first in (ENGLISH_HEADER[0], JAPANESE_HEADER[0]):
            return position + len(line) + 1, stripped
        if _DATE_FIELD.fullmatch(first):
            if previous is None:
                break
            return position, previous
        previous = stripped or previous
        position += len(line) + 1
    raise LayoutChanged(f"MOF {name}: header {_HEADER_TEXT} not found")


def _check_header(header: str, name: str) -> None:
    """Accept the English or Japanese header; a mangled one only if its tenors are intact."""
    fields = tuple(field.strip().strip('"') for field in header.split(","))
    if fields in (ENGLISH_HEADER, JAPANESE_HEADER):
        return
    # Undecodable Japanese leaves U+FFFD but keeps the tenor digits ("1\ufffdN" for 1年).
    if "\ufffd" in header and _leading_numbers(fields[1:]) == TENORS:
        return
    raise LayoutChanged(f"MOF {name}: header {_HEADER_TEXT} not found")


def _leading_numbers(fields: tuple[str, ...]) -> tuple[int | None, ...]:
    """The integer each field starts with (None when it starts with no digit)."""
    matches = (re.match(r"\d+", field) for field in fields)
    return tuple(int(match.group()) if match else None for match in matches)


def _data_end(text: str, start: int, name: str) -> int:
    """Offset where data rows stop: the first blank or date-less row (the Japanese trailer)."""
    search_from = max(start - 1, 0)
    found = [text.find(mark, search_from) for mark in ("\n,", "\n\n", "\n\r\n")]
    ends = [offset + 1 for offset in found if offset >= 0]
    end = min(ends, default=len(text))
    # A trailer is notes only: dated rows after it mean the table itself has a hole.
    if _DATED_LINE.search(text, end):
        raise LayoutChanged(f"MOF {name}: dated rows after a blank row")
    return end


def _read_rows(rows: str, name: str) -> pd.DataFrame:
    """Date strings plus the fifteen tenor columns as floats."""
    if not rows.strip():
        raise LayoutChanged(f"MOF {name}: no data rows under the header")
    try:
        return pd.read_csv(io.StringIO(rows), **_CSV_OPTIONS)
    except ValueError as error:
        detail = str(error).strip().splitlines()[-1][:40]
        raise LayoutChanged(f"MOF {name}: expected date + 15 yields ({detail})") from None


def _parse_dates(dates: pd.Series, name: str) -> pd.Series:
    """Gregorian ``YYYY/M/D`` or Japanese era ``R7.4.7`` strings as timestamps."""
    dates = dates.fillna("")
    if dates.iloc[0][:1].isdigit():
        gregorian = dates
    else:
        gregorian = _era_to_gregorian(dates, name)
    stamps = pd.to_datetime(gregorian, format="%Y/%m/%d", errors="coerce")
    if stamps.isna().any():
        bad = dates[stamps.isna()].iloc[0]
        raise LayoutChanged(f"MOF {name}: date {bad!r} is not Y/M/D or era date")
    return stamps


def _era_to_gregorian(dates: pd.Series, name: str) -> pd.Series:
    """``S49.9.24`` -> ``1974/9/24`` (era year plus the era's offset)."""
    parts = dates.str.extract(_ERA_DATE)
    if parts[0].isna().any():
        bad = dates[parts[0].isna()].iloc[0]
        raise LayoutChanged(f"MOF {name}: date {bad!r} is not an era date like R7.4.7")
    years = parts[1].astype("int64") + parts[0].map(ERA_OFFSETS).astype("int64")
    return years.astype(str) + "/" + parts[2] + "/" + parts[3]


def _finish(frame: pd.DataFrame, name: str) -> pd.DataFrame:
    """Ascending, duplicate-free index; a repeated date means the file is not what we expect."""
    repeated = frame.index[frame.index.duplicated()]
    if len(repeated):
        raise LayoutChanged(f"MOF {name}: date {repeated[0]:%Y-%m-%d} appears twice")
    if not frame.index.is_monotonic_increasing:
        frame = frame.sort_index()
    return frame


SOURCE = Source(
    id="mof_jgb", name=NAME, home=HOME, download=download, parse=parse,
    files=(File(HISTORY_URL, HISTORY_EXPIRE, "history, lags a month"),
           File(CURRENT_URL, CURRENT_EXPIRE, "current month")),
    headline=("",),
    series=tuple(SeriesSpec(f"JGB{years}Y", f"JGB {years}-year constant-maturity yield (MOF)",
                            "%", DAILY, (Origin("mof_jgb", "", f"{years}Y"),), "JPY",
                            plausible=RATE_RANGE)
                 for years in TENORS),
    probe="",
    attribution="Source: Ministry of Finance Japan",
)
