"""The one date grammar of jpflows, shared by Python callers, the command line and Excel cells.

A date is a ``date``/``datetime``/``pandas.Timestamp``, or text in one of three unambiguous forms:
``YYYY-MM-DD`` (an ISO time of day may follow after ``T`` or a space), ``YYYY/M/D`` or
``YYYYMMDD``. ``MM/DD/YYYY`` and ``DD/MM/YYYY`` are refused rather than guessed. Blank text and
``None`` mean "no date" (the latest available).

Internally a date is a *day number*: whole days since 1970-01-01, a plain ``int``. Lookups compare
and search integers, which is what keeps a warm Excel call in microseconds. Dates outside what the
engine can represent (pandas' nanosecond timestamps, 1678 to 2261) are a clear :class:`BadArgument`.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import Union

import numpy as np
import pandas as pd

from addin.errors import BadArgument

DateLike = Union[str, date, datetime, pd.Timestamp, None]
EPOCH = date(1970, 1, 1)
FIRST = date(1678, 1, 1)  # pandas' nanosecond timestamps hold 1677-09-21 .. 2262-04-11
LAST = date(2261, 12, 31)
FIRST_DAY, LAST_DAY = (FIRST - EPOCH).days, (LAST - EPOCH).days
ISO = "YYYY-MM-DD"

_TEXT = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ].*)?|(\d{4})/(\d{1,2})/(\d{1,2})|(\d{4})(\d{2})(\d{2})")


def is_blank(when) -> bool:
    """``None`` or blank text: no date given."""
    return when is None or (isinstance(when, str) and not when.strip())


@lru_cache(maxsize=8192)
def _text_day(text: str) -> int:
    match = _TEXT.fullmatch(text.strip())
    if match is None:
        raise BadArgument(f'Date "{text.strip()[:20]}" not understood; use {ISO}')
    year, month, day = (int(part) for part in match.groups() if part is not None)
    try:
        return _checked((date(year, month, day) - EPOCH).days, text)
    except ValueError:
        raise BadArgument(f'Date "{text.strip()[:20]}" not understood; use {ISO}') from None


def _checked(day: int, when) -> int:
    if not FIRST_DAY <= day <= LAST_DAY:
        raise BadArgument(f"Date {str(when).strip()[:20]} is outside {FIRST.year}..{LAST.year}")
    return day


def day_number(when: DateLike) -> int | None:
    """Whole days since 1970-01-01 of a date argument; ``None`` for no date.

    Raises:
        BadArgument: text that is not one of the accepted forms, a date out of range, or a value
            that is not a date at all.
    """
    if type(when) is datetime:  # what Excel passes for a date cell: the common case first
        day = when.toordinal() - _EPOCH_ORDINAL
        return day if FIRST_DAY <= day <= LAST_DAY else _checked(day, when)
    if isinstance(when, str):
        return _text_day(when) if when.strip() else None
    if when is None:
        return None
    if isinstance(when, (datetime, date)):  # Timestamp and datetime are dates too
        return _checked(date.toordinal(when) - _EPOCH_ORDINAL, when)
    if isinstance(when, np.datetime64):
        return _checked(int(when.astype("datetime64[D]").astype("int64")), when)
    raise BadArgument(f"{type(when).__name__} is not a date; use {ISO}")


_EPOCH_ORDINAL = EPOCH.toordinal()


def to_timestamp(when: DateLike) -> pd.Timestamp | None:
    """A date argument as a midnight ``pandas.Timestamp`` (``None`` stays ``None``)."""
    day = day_number(when)
    return None if day is None else timestamp(day)


@lru_cache(maxsize=8192)
def timestamp(day: int) -> pd.Timestamp:
    """The midnight ``Timestamp`` of a day number."""
    return pd.Timestamp(EPOCH + timedelta(days=day))


def to_date(day: int) -> date:
    """The ``datetime.date`` of a day number."""
    return EPOCH + timedelta(days=day)


def ymd(when) -> str:
    """``YYYY-MM-DD`` of a day number, a date, a ``Timestamp`` or a ``datetime64``."""
    if isinstance(when, (int, np.integer)):
        return to_date(int(when)).isoformat()
    return pd.Timestamp(when).strftime("%Y-%m-%d")


def days_of(dates: np.ndarray) -> np.ndarray:
    """Day numbers (int64) of an array of ``datetime64`` values, in one vectorised step."""
    return np.asarray(dates).astype("datetime64[D]").astype("int64")
