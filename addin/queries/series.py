"""Values of a series: a point on a date, a table of dates, changes, spreads, relative moves.

A series argument is an id (``"TOPIX"``) or, where a window is read, a ``pandas.Series`` the caller
already has (a range of prices typed into a sheet).
"""

from __future__ import annotations

from bisect import bisect_right

import pandas as pd

from addin import args, dates, origins
from addin.calc import rally as calc
from addin.column import Column
from addin.errors import BadArgument, NoData
from addin.sources.base import MAX_AGE_DAYS

EARLIEST = dates.FIRST_DAY  # "the whole history" as a window start


def column(engine, series_id: str, start=None, end=None) -> Column:
    """The series as arrays, loading only the files that cover ``[start, end]``."""
    return origins.column_for(engine, engine.spec(series_id), dates.day_number(start),
                              dates.day_number(end))


def observe(engine, series_id: str, when) -> tuple[int, float]:
    """The hot path of every scalar lookup: (day number, value) on or before ``when``."""
    return observe_day(engine, engine.spec(series_id), dates.day_number(when))


def observe_day(engine, spec, day: int | None) -> tuple[int, float]:
    """(day number, value) of the last observation on or before ``day`` (``None``: latest)."""
    if day is None:
        col = origins.column_for(engine, spec, None, None)
        if not len(col):
            raise NoData(f"No data for {spec.id}")
        return col.days[-1], col.numbers[-1]
    limit = MAX_AGE_DAYS[spec.frequency]
    col = origins.column_for(engine, spec, day - limit, day)
    days = col.days
    at = bisect_right(days, day) - 1
    if at < 0:
        raise NoData(f"No data before {dates.ymd(col.days[0])}" if len(col) else
                     f"No data for {spec.id}")
    found = days[at]
    if day - found > limit:
        raise NoData(f"No data within {limit} days before {dates.ymd(day)}")
    return found, col.numbers[at]


def observation(engine, series_id: str, when=None) -> tuple[pd.Timestamp, float]:
    """The latest (date, value) on or before ``when``; ``None``: the latest available."""
    day, value = observe(engine, series_id, when)
    return dates.timestamp(day), value


def value(engine, series_id: str, when=None) -> float:
    """The value of a series on ``when`` (latest observation on or before it)."""
    return observe_day(engine, engine.spec(series_id), dates.day_number(when))[1]


def history(engine, series_like, start=None, end=None) -> pd.Series:
    """The observations of an id or a given series, covering at least ``[start, end]``."""
    if isinstance(series_like, pd.Series):
        return given(series_like)
    first = dates.day_number(start)
    return origins.column_for(engine, engine.spec(series_like), EARLIEST if first is None else first,
                              dates.day_number(end)).series


def given(data: pd.Series) -> pd.Series:
    """A caller's series (a range from a sheet): its numbers, in date order.

    Raises:
        BadArgument: no numbers; a value without a date; a date the engine cannot represent
            (outside 1678..2261, e.g. Excel's 1900-01-01 or 9999-12-31); a date twice.
    """
    data = data.dropna()
    if data.empty:
        raise BadArgument("the range holds no numbers")
    index = data.index
    if not isinstance(index, pd.DatetimeIndex) or index.hasnans:
        raise BadArgument("the range needs a date for every value")
    days = dates.days_of(index.values)
    if days.min() < dates.FIRST_DAY or days.max() > dates.LAST_DAY:
        raise BadArgument(f"dates in the range must be within {dates.FIRST.year}..{dates.LAST.year}")
    if not index.is_unique:
        raise BadArgument("the range holds a date twice; one value per date")
    return data.sort_index()


def series(engine, series_like, start=None, end=None, interval: int = 0) -> pd.Series:
    """Observations in ``[start, end]`` (both optional); interval 0 daily, 1 weekly, 2 monthly."""
    first, last = dates.day_number(start), dates.day_number(end)
    args.ordered(first, last)
    data = history(engine, series_like, start, end)
    window = data.loc[_stamp(first):_stamp(last)] if len(data) else data
    if window.dropna().empty:
        raise NoData(f"No data between {dates.ymd(first) if first is not None else 'start'} and "
                     f"{dates.ymd(last) if last is not None else 'today'}")
    return calc.resample(window.dropna(), interval)


def rows(engine, series_like, start=None, end=None, interval: int = 0) -> tuple:
    """The table :func:`series` gives as ``((datetime, float), ...)`` rows, as a sheet shows it."""
    return table_rows(series(engine, series_like, start, end, interval))


def table_rows(data: pd.Series) -> tuple:
    """``((datetime, float), ...)`` of a dated series, each column converted in one step."""
    stamps = pd.DatetimeIndex(data.index).to_pydatetime().tolist()
    return tuple(zip(stamps, data.to_numpy(dtype="float64").tolist()))


def end_of(data: pd.Series, when) -> pd.Timestamp:
    """``when`` as a timestamp; no date means the last observation of ``data``."""
    stamp = dates.to_timestamp(when)
    return data.index[-1] if stamp is None else stamp


def change(engine, series_like, start, end=None, mode: str | None = None) -> float:
    """Change from ``start`` to ``end``: "diff" (points, default for % series) or "pct" (decimal)."""
    first = args.required_day(start)
    data = history(engine, series_like, start, end)
    if dates.is_blank(mode):
        mode = "diff" if isinstance(series_like, str) and engine.spec(series_like).unit == "%" \
            else "pct"
    mode = args.choice(mode, ("diff", "pct"), "mode")
    return calc.change(data, dates.timestamp(first), end_of(data, end), mode)


def spread(engine, series_a, series_b, when=None) -> float:
    """a - b on ``when`` (latest observation on or before it), in the series' unit."""
    a, b = engine.spec(series_a), engine.spec(series_b)
    day = dates.day_number(when)
    if day is None:
        day = min(observe_day(engine, a, None)[0], observe_day(engine, b, None)[0])
    return observe_day(engine, a, day)[1] - observe_day(engine, b, day)[1]


def relative(engine, series_a, series_b, start, end=None) -> float:
    """(a_end / a_start) / (b_end / b_start) - 1: how much ``a`` beat ``b`` over the window."""
    first = args.required_day(start, "2025-04-07")
    a, b = history(engine, series_a, start, end), history(engine, series_b, start, end)
    last = dates.to_timestamp(end) or min(a.index[-1], b.index[-1])
    return calc.relative(a, b, dates.timestamp(first), last)


def _stamp(day: int | None) -> pd.Timestamp | None:
    return None if day is None else dates.timestamp(day)
