"""One series as plain arrays, and the lookups every Excel call makes on it.

A :class:`Column` is built once per parsed file in one vectorised step: the dates as
``datetime64`` (for pandas and window arithmetic) and, for the hot path, as a Python list of day
numbers beside a list of floats, so that a point lookup is one ``bisect`` on integers with no
numpy scalar in sight.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import pandas as pd

from addin.dates import days_of
from addin.errors import LayoutChanged


@dataclass(frozen=True, eq=False)
class Column:
    """Dates (``datetime64[ns]``, ascending, unique) and float values; NaN rows removed unless kept."""

    dates: np.ndarray
    values: np.ndarray
    urls: tuple[str, ...] = field(default=())

    @classmethod
    def of(cls, values: pd.Series, urls=(), keep_missing: bool = False) -> "Column":
        """The column of a frame's series.

        Raises:
            LayoutChanged: its dates are not strictly ascending (every lookup bisects them).
        """
        values = values if keep_missing else values.dropna()
        dates = values.index.values.astype("datetime64[ns]")
        if len(dates) > 1 and not (dates[1:] > dates[:-1]).all():
            raise LayoutChanged("dates out of order or repeated")
        return cls(dates, values.to_numpy(dtype="float64"), tuple(urls))

    @classmethod
    def joined(cls, parts: list["Column"]) -> "Column":
        """Consecutive pieces (yearly files) as one column; a date in two pieces keeps the later."""
        if len(parts) == 1:
            return parts[0]
        dates = np.concatenate([p.dates for p in parts])
        values = np.concatenate([p.values for p in parts])
        order = np.argsort(dates, kind="stable")
        dates, values = dates[order], values[order]
        keep = np.append(dates[1:] != dates[:-1], True)  # the last of each run of equal dates
        return cls(dates[keep], values[keep], tuple(u for p in parts for u in p.urls))

    @cached_property
    def days(self) -> list[int]:
        """The dates as day numbers since 1970-01-01, a plain list for ``bisect``."""
        return days_of(self.dates).tolist()

    @cached_property
    def numbers(self) -> list[float]:
        """The values as a plain list of floats."""
        return self.values.tolist()

    def __len__(self) -> int:
        return len(self.dates)

    def at_or_before(self, day: int) -> int:
        """Position of the last observation on or before ``day``; -1 when there is none."""
        return bisect_right(self.days, day) - 1

    def span(self, first: int | None, last: int | None) -> tuple[int, int]:
        """Positions ``[i, j)`` of the observations with ``first <= day <= last``."""
        days = self.days
        return (0 if first is None else bisect_left(days, first),
                len(days) if last is None else bisect_right(days, last))

    @cached_property
    def series(self) -> pd.Series:
        """The column as a pandas Series (built once, shared: do not modify it)."""
        return pd.Series(self.values, index=pd.DatetimeIndex(self.dates, name="date"))

    def to_series(self) -> pd.Series:
        return self.series.copy()
