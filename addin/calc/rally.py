"""Levels, lows, highs, rallies and changes of one daily series.

Every function takes a pandas Series with an ascending ``DatetimeIndex`` and float values; NaN
means "no observation that day" and is dropped, never filled, before a minimum or maximum is taken.
Ratios (rally, drawdown, pct change) are decimals, so 0.342 means +34.2%. For a yield, the rally is
still a ratio of levels; a rates user usually wants :func:`change` with ``mode="diff"`` instead,
which gives percentage points.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from addin.dates import FIRST
from addin.errors import BadArgument, NoData

_MODES = ("diff", "pct")
_YEAR = pd.Timedelta(days=365)


def _observations(series: pd.Series) -> pd.Series:
    """The series without its missing days; NoData when nothing is left."""
    # numpy's NaN test is several times cheaper than Series.hasnans on every call.
    observed = series.dropna() if np.isnan(series.to_numpy()).any() else series
    if observed.empty:
        raise NoData("Series has no observations")
    return observed


def _window(series: pd.Series, start: pd.Timestamp, end: pd.Timestamp) -> tuple[np.ndarray, np.ndarray]:
    """Dates and values of the observations within [start, end], both ends included."""
    if start > end:
        raise BadArgument(f"start {start:%Y-%m-%d} is after end {end:%Y-%m-%d}")
    observed = _observations(series)
    dates = observed.index.values
    # Binary search on the sorted dates: the hot path of every Excel range function.
    first = dates.searchsorted(np.datetime64(start), "left")
    last = dates.searchsorted(np.datetime64(end), "right")
    if first == last:
        raise NoData(f"No data between {start:%Y-%m-%d} and {end:%Y-%m-%d}")
    return dates[first:last], observed.to_numpy()[first:last]


def _ratio(numerator: float, denominator: float, what: str) -> float:
    """numerator / denominator − 1, refused when the base is not a positive level."""
    if not denominator > 0:
        raise BadArgument(f"{what} {denominator:g} is not positive, so a ratio has no meaning")
    return numerator / denominator - 1


def _year_before(when: pd.Timestamp) -> pd.Timestamp:
    """365 days earlier, or the first day the engine represents (nanosecond timestamps would
    overflow a year before 1678)."""
    return max(pd.Timestamp(when).as_unit("s") - _YEAR, pd.Timestamp(FIRST))
def _positive(lowest: float, what: str) -> None:
    """A ratio of levels means nothing once the series touches zero or goes negative (yields)."""
    if not lowest > 0:
        raise BadArgument(f'{what}: level {lowest:g} is not positive; use JP_CHANGE(…,"diff") '
                          "for yields")


def _first_date(series: pd.Series) -> pd.Timestamp:
    """Date of the first observation, the default start of "since the beginning"."""
    return _observations(series).index[0]


def value_on(
    series: pd.Series, as_of: pd.Timestamp, max_age_days: int | None = None
) -> tuple[pd.Timestamp, float]:
    """The last observation on or before ``as_of``; never a later one.

    Args:
        series: Daily series.
        as_of: Date asked for.
        max_age_days: When given, an observation older than this many days counts as missing.

    Returns:
        (date of the observation, value).

    Raises:
        NoData: Nothing on or before ``as_of`` (or nothing recent enough).
    """
    observed = _observations(series)
    dates = observed.index.values
    at = int(dates.searchsorted(np.datetime64(as_of), "right")) - 1
    if at < 0:
        first = observed.index[0]
        raise NoData(f"No data on or before {as_of:%Y-%m-%d}; series starts {first:%Y-%m-%d}")
    date = pd.Timestamp(dates[at])
    if max_age_days is not None and as_of - date > pd.Timedelta(days=max_age_days):
        raise NoData(f"No data within {max_age_days} days before {as_of:%Y-%m-%d}")
    return date, float(observed.to_numpy()[at])


def low(series: pd.Series, start: pd.Timestamp, end: pd.Timestamp) -> tuple[pd.Timestamp, float]:
    """Lowest observation within [start, end]; on ties the earliest date wins.

    Returns:
        (date, value) of the low.
    """
    return _extreme(series, start, end, np.argmin)


def high(series: pd.Series, start: pd.Timestamp, end: pd.Timestamp) -> tuple[pd.Timestamp, float]:
    """Highest observation within [start, end]; on ties the earliest date wins.

    Returns:
        (date, value) of the high.
    """
    return _extreme(series, start, end, np.argmax)


def _extreme(series, start, end, pick) -> tuple[pd.Timestamp, float]:
    dates, values = _window(series, start, end)
    # argmin/argmax return the first position of the extreme, i.e. the earliest date.
    at = int(pick(values))
    return pd.Timestamp(dates[at]), float(values[at])


def rally(
    series: pd.Series,
    as_of: pd.Timestamp,
    low_start: pd.Timestamp | None = None,
    low_end: pd.Timestamp | None = None,
) -> float:
    """Rise from the low: value at ``as_of`` / lowest value in [low_start, low_end] − 1.

    The low window defaults to the 365 days up to ``as_of``. It is cut at ``as_of``, so the
    low never uses a value the date asked for could not have seen.

    Example: TOPIX on 2025-08-26 against its April-2025 low gives 0.3423 (+34.2%).
    """
    low_start = _year_before(as_of) if low_start is None else low_start
    low_end = as_of if low_end is None else min(low_end, as_of)
    _, level = value_on(series, as_of)
    _, bottom = low(series, low_start, low_end)
    _positive(min(level, bottom), "rally")
    return _ratio(level, bottom, "low")


def drawdown(series: pd.Series, as_of: pd.Timestamp, start: pd.Timestamp | None = None) -> float:
    """Fall from the high: value at ``as_of`` / highest value in [start, as_of] − 1 (≤ 0).

    ``start`` defaults to the first observation.
    """
    start = _first_date(series) if start is None else start
    _, level = value_on(series, as_of)
    _, top = high(series, start, as_of)
    _positive(min(level, low(series, start, as_of)[1]), "drawdown")
    return _ratio(level, top, "high")


def is_record(series: pd.Series, as_of: pd.Timestamp, since: pd.Timestamp | None = None) -> bool:
    """True when the value at ``as_of`` is the highest in [since, as_of]; a tie is a record.

    ``since`` defaults to the first observation (the whole history).
    """
    since = _first_date(series) if since is None else since
    _, level = value_on(series, as_of)
    _, top = high(series, since, as_of)
    return bool(level >= top)


def change(series: pd.Series, start: pd.Timestamp, end: pd.Timestamp, mode: str = "diff") -> float:
    """Change between the values on or before ``start`` and ``end``.

    Args:
        mode: ``"diff"`` gives end − start in the series' unit (percentage points for a yield);
            ``"pct"`` gives end / start − 1 as a decimal.
    """
    if mode not in _MODES:
        raise BadArgument(f'mode "{mode}" must be "diff" or "pct"')
    if start > end:
        raise BadArgument(f"start {start:%Y-%m-%d} is after end {end:%Y-%m-%d}")
    _, first = value_on(series, start)
    _, last = value_on(series, end)
    return last - first if mode == "diff" else _ratio(last, first, "start value")


def relative(a: pd.Series, b: pd.Series, start: pd.Timestamp, end: pd.Timestamp) -> float:
    """How much ``a`` beat ``b`` between two dates: (a_end/a_start) / (b_end/b_start) − 1."""
    growth_a = 1 + change(a, start, end, "pct")
    growth_b = 1 + change(b, start, end, "pct")
    return _ratio(growth_a, growth_b, "growth of b")


def resample(series: pd.Series, interval: int) -> pd.Series:
    """Observations at a coarser step, as Excel's STOCKHISTORY does.

    Args:
        interval: 0 daily (every observation), 1 weekly, 2 monthly. Weekly and monthly keep the
            last observation of each Monday–Sunday week or calendar month, dated by the day it
            was actually observed.
    """
    if interval not in (0, 1, 2):
        raise BadArgument(f"interval {interval} must be 0 (daily), 1 (weekly) or 2 (monthly)")
    observed = series.dropna()
    if interval == 0 or observed.empty:
        return observed
    periods = observed.index.to_period("W-SUN" if interval == 1 else "M")
    # A row is the last of its period when the next row falls in another period.
    last = np.append(periods[1:] != periods[:-1], True)
    return observed[last]
