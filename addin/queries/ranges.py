"""Where a series stands against its own range: rally from a low, drawdown, record, low and high."""

from __future__ import annotations

import pandas as pd

from addin import dates
from addin.calc import rally as calc
from addin.queries.series import end_of, history


def rally(engine, series_like, low_start=None, low_end=None, as_of=None) -> float:
    """Value at ``as_of`` / lowest value in ``[low_start, low_end]`` - 1 (a decimal)."""
    data = history(engine, series_like, low_start, as_of)
    return calc.rally(data, end_of(data, as_of), dates.to_timestamp(low_start),
                      dates.to_timestamp(low_end))


def low(engine, series_like, start=None, end=None) -> tuple[pd.Timestamp, float]:
    """(date, value) of the lowest observation in ``[start, end]``; ties: the earliest date."""
    return _extreme(calc.low, engine, series_like, start, end)


def high(engine, series_like, start=None, end=None) -> tuple[pd.Timestamp, float]:
    """(date, value) of the highest observation in ``[start, end]``; ties: the earliest date."""
    return _extreme(calc.high, engine, series_like, start, end)


def _extreme(pick, engine, series_like, start, end) -> tuple[pd.Timestamp, float]:
    data = history(engine, series_like, start, end)
    first, last = dates.to_timestamp(start), dates.to_timestamp(end)
    return pick(data, data.index[0] if first is None else first,
                data.index[-1] if last is None else last)


def drawdown(engine, series_like, start=None, as_of=None) -> float:
    """Value at ``as_of`` / highest value since ``start`` - 1 (zero or negative)."""
    data = history(engine, series_like, start, as_of)
    return calc.drawdown(data, end_of(data, as_of), dates.to_timestamp(start))


def is_record(engine, series_like, as_of=None, since=None) -> bool:
    """True when the value at ``as_of`` is the highest since ``since`` (whole history if omitted)."""
    data = history(engine, series_like, since, as_of)
    return calc.is_record(data, end_of(data, as_of), dates.to_timestamp(since))
