"""What every parsed frame must satisfy before the engine serves it, whatever its source.

Lookups binary-search the dates, so dates that are out of order or repeated give silently wrong
answers; a file published for one year that holds another year's dates (a Treasury year file
of 2025 holding 2024) overwrites that year when the pieces are joined. So a frame is refused, as
:class:`~addin.errors.LayoutChanged`, when its dates are not strictly ascending and unique, or
when a yearly source's file holds a date outside its year. :func:`guarded` applies the same
rules inside a source's own check, so such a file is refused before it is stored and the last good
copy stays in use.
"""

from __future__ import annotations

from typing import Callable

import pandas as pd

from addin.errors import LayoutChanged
from addin.sources.base import Source


def guarded(check: Callable | None, source: Source, key: str) -> Callable | None:
    """``check`` that also refuses a file whose frame (if it returns one) breaks the rules."""
    if check is None:
        return None

    def checked(body: bytes):
        result = check(body)
        if isinstance(result, pd.DataFrame):
            verify(result, source, key)
        return result

    return checked


def verify(frame: pd.DataFrame, source: Source, key: str) -> pd.DataFrame:
    """``frame`` itself when it keeps the rules.

    Raises:
        LayoutChanged: Dates out of order or repeated; a yearly file's date outside its year.
    """
    label = f"{source.name} {key}".strip()
    index = frame.index
    if not isinstance(index, pd.DatetimeIndex) or index.hasnans:
        raise LayoutChanged(f"{label}: rows without a readable date")
    if not (index.is_monotonic_increasing and index.is_unique):
        raise LayoutChanged(f"{label}: dates out of order or repeated")
    _in_year(index, source, key, label)
    return frame


def _in_year(index: pd.DatetimeIndex, source: Source, key: str, label: str) -> None:
    if source.yearly is None or not str(key).isdigit() or not len(index):
        return
    year = int(key)
    if index[0].year != year or index[-1].year != year:
        stray = index[0] if index[0].year != year else index[-1]
        raise LayoutChanged(f"{label}: the {year} file holds {stray:%Y-%m-%d}")
