"""Turning what Excel passes into what the engine takes.

Excel hands xlwings a date cell as ``datetime``, an unformatted date as a serial number, a typed
date as text, an empty cell as ``None`` and a range as (nested) lists. Each helper accepts those
shapes and raises :class:`BadArgument` with a short reason for anything else.
"""

from __future__ import annotations

import math
from functools import lru_cache
from datetime import date, datetime, timedelta

import pandas as pd

from addin import dates
from addin.errors import BadArgument

EXCEL_EPOCH = datetime(1899, 12, 30)
MAX_SERIAL = 2958465  # 9999-12-31, Excel's last date
POSITIONS_START = pd.Timestamp("2000-01-01")  # row 1 of a values-only range, as a stand-in date


def is_blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip()) or (
        isinstance(value, float) and math.isnan(value))


def from_serial(serial: float) -> datetime:
    """Excel 1900 date system, including its fictitious 1900-02-29 (serial 60)."""
    if serial < 1 or serial > MAX_SERIAL:
        raise BadArgument(f"date serial {serial:g} outside Excel's 1..{MAX_SERIAL}")
    whole = int(serial)
    if whole == 60:
        raise BadArgument("serial 60 is 1900-02-29, which did not exist")
    if whole < 60:
        whole += 1  # before the fictitious leap day the epoch is one day later
    return EXCEL_EPOCH + timedelta(days=whole)


def to_date(value, name: str = "date") -> datetime | None:
    """A date cell, serial, ISO text or blank (``None``)."""
    if type(value) is datetime and not (value.hour or value.minute or value.second
                                        or value.microsecond or value.tzinfo):
        return value  # a date cell, as xlwings passes it: already what the engine takes
    if is_blank(value):
        return None
    if isinstance(value, bool):
        raise BadArgument(f"{name}: TRUE/FALSE is not a date")
    if isinstance(value, (datetime, date)):
        return datetime(value.year, value.month, value.day)
    if isinstance(value, (int, float)):
        if not math.isfinite(value):
            raise BadArgument(f"{name}: not a date")
        return from_serial(float(value))
    if isinstance(value, str):
        return _date_text(value.strip(), name)
    raise BadArgument(f"{name}: {type(value).__name__} is not a date")


@lru_cache(maxsize=4096)
def _date_text(text: str, name: str) -> datetime:
    """Date text read by the engine's grammar; in a cell, a number typed as text is a serial."""
    try:
        day = dates.day_number(text)
    except BadArgument:
        try:
            return from_serial(float(text))
        except ValueError:
            raise BadArgument(f'{name} "{text[:20]}" not understood; use YYYY-MM-DD') from None
    return datetime.combine(dates.to_date(day), datetime.min.time())


def to_number(value, name: str, default: float | None = None) -> float:
    """A number, or a number typed as text; blank gives ``default``."""
    if is_blank(value):
        if default is None:
            raise BadArgument(f"{name} is required")
        return default
    if isinstance(value, bool):
        raise BadArgument(f"{name}: TRUE/FALSE is not a number")
    try:
        number = float(value.strip().replace(",", "")) if isinstance(value, str) else float(value)
    except (TypeError, ValueError):
        raise BadArgument(f'{name} "{str(value)[:16]}" is not a number') from None
    if not math.isfinite(number):
        raise BadArgument(f"{name} must be a finite number")
    return number


def to_int(value, name: str, default: int, low: int, high: int) -> int:
    number = to_number(value, name, float(default))
    if number != int(number) or not low <= number <= high:
        raise BadArgument(f"{name} must be a whole number {low}..{high}")
    return int(number)


def to_bool(value, name: str, default: bool) -> bool:
    if is_blank(value):
        return default
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)) and value in (0, 1):
        return bool(value)
    if isinstance(value, str) and value.strip().upper() in ("TRUE", "FALSE", "1", "0"):
        return value.strip().upper() in ("TRUE", "1")
    raise BadArgument(f"{name} must be TRUE/FALSE or 1/0")


def to_text(value, name: str, default: str | None = None) -> str | None:
    if type(value) is str:
        value = value.strip()
        return value if value else default
    if is_blank(value):
        return default
    raise BadArgument(f"{name} must be text")


def to_series(value, name: str = "series"):
    """A series id (text) or a range: one column of values, or two columns date,value."""
    if isinstance(value, str):
        value = value.strip()
        if not value:
            raise BadArgument(f"{name} is empty; try JP_SEARCH(\"JGB\")")
        return value
    if isinstance(value, list):
        return _range_series(value, name)
    raise BadArgument(f"{name} must be an id such as \"TOPIX\" or a range of prices")


def position(when) -> int:
    """The 1-based row, in a values-only range, of the value dated ``when``."""
    return (pd.Timestamp(when) - POSITIONS_START).days + 1


def _range_series(cells: list, name: str) -> pd.Series:
    rows = [row if isinstance(row, list) else [row] for row in cells]
    width = {len(row) for row in rows}
    if width == {1}:
        kept = [(row_number, to_number(row[0], name)) for row_number, row in enumerate(rows)
                if not is_blank(row[0])]
        # No dates were given: each value is dated by its row, so a low or high can say where it is.
        index = POSITIONS_START + pd.to_timedelta([row_number for row_number, _ in kept], "D")
        series = pd.Series([value for _, value in kept], index=pd.DatetimeIndex(index),
                           dtype="float64")
        series.attrs["positional"] = True
        return series
    if width == {2}:
        pairs = [(to_date(d, name), to_number(v, name)) for d, v in rows if not is_blank(v)]
        if any(d is None for d, _ in pairs):
            raise BadArgument(f"{name}: every value needs a date in the first column")
        series = pd.Series([v for _, v in pairs], index=pd.DatetimeIndex([d for d, _ in pairs]))
        return series.sort_index()
    raise BadArgument(f"{name}: use one column of values or two columns date,value")
