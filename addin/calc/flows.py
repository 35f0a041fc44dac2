"""Arithmetic on flow series: periods, window sums, historical rank, conversion to dollars.

A flow Series is indexed by the END date of each period (a MOF week ends on Saturday, a JPX week
on its last trading day, a month on its last day), ascending, with values in JPY billions. The
index defines the periods: each starts the day after the previous one ends, and the first one is
as long as the typical period (a calendar month when every end is a month end). A NaN value is a
period whose figure is not published; it still occupies its dates.
"""

from __future__ import annotations

import calendar

import numpy as np
import pandas as pd

from addin.errors import BadArgument, NoData

_DAY = pd.Timedelta(days=1)
_MISSING = ("raise", "nan")


def _period_starts(ends: pd.DatetimeIndex) -> pd.DatetimeIndex:
    """First day of every period: the day after the previous end; the first is inferred."""
    if len(ends) < 2:
        raise NoData("Cannot tell the flow period length from a single period")
    if ends.is_month_end.all():
        first = ends[0].replace(day=1)
    else:
        first = ends[0] - pd.Series(ends).diff().median().round("D") + _DAY
    return ends[:-1].insert(0, first - _DAY) + _DAY


def period_containing(flows: pd.Series, date: pd.Timestamp) -> pd.Timestamp:
    """End date of the period that contains ``date`` (the first period end on or after it).

    Raises:
        NoData: ``date`` is after the last period or before the first one starts.
    """
    ends = flows.index
    if ends.empty:
        raise NoData("No flow periods")
    at = ends.searchsorted(date, side="left")
    if at == len(ends):
        raise NoData(f"No flow period contains {date:%Y-%m-%d}; latest ends {ends[-1]:%Y-%m-%d}")
    if at == 0:
        first = _period_starts(ends)[0]
        if date < first:
            raise NoData(
                f"No flow period contains {date:%Y-%m-%d}; earliest starts {first:%Y-%m-%d}"
            )
    return ends[at]


def window_sum(flows: pd.Series, start: pd.Timestamp, end: pd.Timestamp) -> float:
    """Sum of the periods whose end date lies in [start, end], e.g. year to date.

    Raises:
        BadArgument: ``start`` is after ``end``.
        NoData: No period with a figure ends in the window.
    """
    if start > end:
        raise BadArgument(f"start {start:%Y-%m-%d} is after end {end:%Y-%m-%d}")
    ends = flows.index.values
    first = ends.searchsorted(np.datetime64(start), "left")
    last = ends.searchsorted(np.datetime64(end), "right")
    inside = flows.to_numpy()[first:last]
    if not (~np.isnan(inside)).any():
        raise NoData(f"No flow period ends between {start:%Y-%m-%d} and {end:%Y-%m-%d}")
    return float(np.nansum(inside))


def rolling_rank(
    flows: pd.Series, as_of: pd.Timestamp, window: int, years: float
) -> tuple[int, int]:
    """Rank of the latest ``window``-period sum among all such sums over the last ``years`` years.

    Sums are taken over ``window`` consecutive periods ending at every period end in
    (target − years, target], where target is the period containing ``as_of``. Rank 1 is the
    largest ("a decade high" is rank 1 with years = 10); ties share the better rank.

    Returns:
        (rank, number of windows compared).
    """
    sums = rolling_sums(flows, window)
    return rank_among(sums, period_containing(flows, as_of), window, years)


def rolling_sums(flows: pd.Series, window: int) -> pd.Series:
    """Sum over ``window`` consecutive periods ending at each period end."""
    if window < 1 or window != int(window):
        raise BadArgument(f"window {window} must be a whole number of periods >= 1")
    return flows.rolling(int(window)).sum()


def months_before(day: pd.Timestamp, months: int) -> pd.Timestamp:
    """The same day ``months`` earlier, clipped to the month's end (cheap DateOffset)."""
    year, month = divmod(day.year * 12 + day.month - 1 - months, 12)
    last_day = calendar.monthrange(year, month + 1)[1]
    return pd.Timestamp(year, month + 1, min(day.day, last_day))


def rank_among(sums: pd.Series, target: pd.Timestamp, window: int, years: float) -> tuple[int, int]:
    """Rank of ``sums[target]`` among the sums ending in (target − years, target]."""
    if round(years * 12) < 1:
        raise BadArgument(f"years {years} must be at least one month (1/12)")
    ends, values = sums.index.values, sums.to_numpy()
    at = int(ends.searchsorted(np.datetime64(target), "left"))
    if at == len(ends) or ends[at] != np.datetime64(target) or np.isnan(values[at]):
        raise NoData(f"No {int(window)}-period flow sum ends {target:%Y-%m-%d}")
    since = months_before(target, round(years * 12))
    compared = values[int(ends.searchsorted(np.datetime64(since), "right")):at + 1]
    compared = compared[~np.isnan(compared)]
    return 1 + int((compared > values[at]).sum()), len(compared)


def to_usd(flows: pd.Series, usdjpy_daily: pd.Series, missing: str = "raise") -> pd.Series:
    """Flows in USD billions, each period at the mean of its daily USDJPY (yen per dollar).

    Args:
        flows: Flows in JPY billions.
        usdjpy_daily: Daily USDJPY; NaN days are ignored.
        missing: ``"raise"`` (default) raises NoData for a period with a figure but no FX day;
            ``"nan"`` leaves such a period NaN.
    """
    if missing not in _MISSING:
        raise BadArgument(f'missing "{missing}" must be "raise" or "nan"')
    rate = _period_mean_fx(flows.index, usdjpy_daily.dropna())
    gaps = rate.isna() & flows.notna()
    if missing == "raise" and gaps.any():
        end = gaps[gaps].index[0]
        start = _period_starts(flows.index)[flows.index.get_loc(end)]
        raise NoData(f"No USDJPY in flow period {start:%Y-%m-%d}..{end:%Y-%m-%d}")
    return flows / rate


def _period_mean_fx(ends: pd.DatetimeIndex, fx: pd.Series) -> pd.Series:
    """Mean FX rate per period, indexed by period end; NaN where a period has no FX day."""
    at = ends.searchsorted(fx.index, side="left")
    inside = (fx.index >= _period_starts(ends)[0]) & (at < len(ends))
    means = fx[inside].groupby(at[inside]).mean()
    return pd.Series(means.reindex(range(len(ends))).to_numpy(), index=ends)
