"""Flow periods, window sums, historical rank and USD conversion."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from addin.calc import flows as f
from addin.errors import BadArgument, NoData

T = pd.Timestamp

# MOF-style weeks, Sunday to Saturday, dated by the Saturday; JPY billions.
WEEKS = pd.Series(
    [10.0, -20.0, 30.0, 5.0],
    index=pd.DatetimeIndex(["2025-01-04", "2025-01-11", "2025-01-18", "2025-01-25"], name="date"),
)
MONTHS = pd.Series(
    [1.0, 2.0, 3.0], index=pd.DatetimeIndex(["2025-01-31", "2025-02-28", "2025-03-31"])
)


@pytest.mark.parametrize(
    ("date", "end"),
    [
        ("2025-01-08", "2025-01-11"),  # Wednesday inside the week
        ("2025-01-05", "2025-01-11"),  # Sunday: first day of the week
        ("2025-01-11", "2025-01-11"),  # Saturday: the end itself
        ("2025-01-12", "2025-01-18"),
        ("2024-12-29", "2025-01-04"),  # first day of the first week, inferred from 7-day spacing
    ],
)
def test_period_containing__weekly(date, end):
    assert f.period_containing(WEEKS, T(date)) == T(end)


def test_period_containing__after_last_period():
    message = "^No flow period contains 2025-01-26; latest ends 2025-01-25$"
    with pytest.raises(NoData, match=message):
        f.period_containing(WEEKS, T("2025-01-26"))


def test_period_containing__before_first_period():
    with pytest.raises(NoData, match="earliest starts 2024-12-29"):
        f.period_containing(WEEKS, T("2024-12-28"))


def test_period_containing__monthly_first_period_starts_on_the_first():
    assert f.period_containing(MONTHS, T("2025-01-01")) == T("2025-01-31")
    assert f.period_containing(MONTHS, T("2025-02-01")) == T("2025-02-28")
    with pytest.raises(NoData, match="earliest starts 2025-01-01"):
        f.period_containing(MONTHS, T("2024-12-31"))


def test_period_containing__no_periods():
    with pytest.raises(NoData):
        f.period_containing(WEEKS.iloc[:0], T("2025-01-08"))


def test_window_sum__periods_ending_in_window():
    # Ends 01-11 and 01-18 lie in [01-05, 01-18]; the week ending 01-04 does not.
    assert f.window_sum(WEEKS, T("2025-01-05"), T("2025-01-18")) == 10.0


def test_window_sum__single_day_on_an_end():
    assert f.window_sum(WEEKS, T("2025-01-04"), T("2025-01-04")) == 10.0


def test_window_sum__unpublished_period_is_skipped():
    gappy = WEEKS.copy()
    gappy[T("2025-01-11")] = np.nan
    assert f.window_sum(gappy, T("2025-01-01"), T("2025-01-31")) == 45.0


def test_window_sum__no_period_ends_in_window():
    with pytest.raises(NoData, match="No flow period ends between 2025-01-12 and 2025-01-17"):
        f.window_sum(WEEKS, T("2025-01-12"), T("2025-01-17"))


def test_window_sum__start_after_end():
    with pytest.raises(BadArgument, match="after end"):
        f.window_sum(WEEKS, T("2025-01-18"), T("2025-01-05"))


def _monthly_history() -> pd.Series:
    """Month ends 2014-01..2025-08, zero except a few months written out below."""
    ends = pd.date_range("2014-01-31", "2025-08-31", freq="ME")
    flows = pd.Series(0.0, index=ends)
    flows[T("2014-06-30")] = 100.0  # a bigger window, but more than ten years before 2025-08
    flows[T("2020-01-31")] = 60.0  # three windows that tie the latest one
    for month in ("2025-06-30", "2025-07-31", "2025-08-31"):
        flows[T(month)] = 20.0
    return flows


def test_rolling_rank__decade_high_with_ties():
    # 3-month sum to 2025-08 = 60; windows ending 2015-09..2025-08 (120) never exceed it.
    assert f.rolling_rank(_monthly_history(), T("2025-08-15"), 3, 10) == (1, 120)


def test_rolling_rank__longer_history_sees_bigger_windows():
    # 12 years reach back to 2014-03 (the first full window): 138 windows, three of them 100.
    assert f.rolling_rank(_monthly_history(), T("2025-08-31"), 3, 12) == (4, 138)


def test_rolling_rank__earlier_period():
    # To 2025-07 the sum is 40; the three 60-windows of 2020 beat it.
    assert f.rolling_rank(_monthly_history(), T("2025-07-01"), 3, 10) == (4, 120)


def test_rolling_rank__not_enough_periods_for_window():
    with pytest.raises(NoData, match="No 3-period flow sum ends 2014-02-28"):
        f.rolling_rank(_monthly_history(), T("2014-02-10"), 3, 10)


@pytest.mark.parametrize(("window", "years"), [(0, 10), (2.5, 10), (3, 0)])
def test_rolling_rank__bad_arguments(window, years):
    with pytest.raises(BadArgument):
        f.rolling_rank(_monthly_history(), T("2025-08-31"), window, years)


def _usdjpy(points: dict[str, float]) -> pd.Series:
    return pd.Series(list(points.values()), index=pd.DatetimeIndex(list(points)), dtype=float)


FX = _usdjpy(
    {
        "2024-12-27": 999.0,  # before the first week starts (2024-12-29): ignored
        "2024-12-30": 160.0,
        "2025-01-03": 140.0,  # week to 01-04: mean 150
        "2025-01-06": 150.0,
        "2025-01-07": 152.0,
        "2025-01-08": np.nan,  # a blank day is not an observation
        "2025-01-11": 154.0,  # on the Saturday end itself; week to 01-11: mean 152
        "2025-01-12": 100.0,
        "2025-01-13": 110.0,  # week to 01-18: mean 105
    }
)


def test_to_usd__each_period_at_its_mean_rate():
    jpy = pd.Series([-75.0, -304.0, 630.0], index=WEEKS.index[:3])
    usd = f.to_usd(jpy, FX)
    # -75 / 150, -304 / 152, 630 / 105
    assert usd.to_dict() == pytest.approx(
        {T("2025-01-04"): -0.5, T("2025-01-11"): -2.0, T("2025-01-18"): 6.0}
    )


def test_to_usd__period_without_fx_raises():
    with pytest.raises(NoData, match="^No USDJPY in flow period 2025-01-19..2025-01-25$"):
        f.to_usd(WEEKS, FX)


def test_to_usd__period_without_fx_as_nan():
    usd = f.to_usd(WEEKS, FX, missing="nan")
    assert np.isnan(usd[T("2025-01-25")])
    assert usd[T("2025-01-18")] == pytest.approx(30.0 / 105)


def test_to_usd__unpublished_period_needs_no_fx():
    gappy = WEEKS.copy()
    gappy[T("2025-01-25")] = np.nan
    assert np.isnan(f.to_usd(gappy, FX)[T("2025-01-25")])


def test_to_usd__bad_missing_option():
    with pytest.raises(BadArgument, match="missing"):
        f.to_usd(WEEKS, FX, missing="skip")


# Real data: JPX foreigners' weekly net buying, JPY billions (values from the shared README).


def _jpx_foreigners(realdata) -> pd.Series:
    path = realdata / "jpx_investor_type/derived/jpx_foreigners_net_buying_weekly_jpy_bn.csv"
    return pd.read_csv(path, index_col="date", parse_dates=True)["value"].astype(float)


def test_window_sum__jpx_foreigners_2025(realdata):
    flows = _jpx_foreigners(realdata)
    assert f.window_sum(flows, T("2025-01-01"), T("2025-12-31")) == pytest.approx(5407.0, abs=0.05)
    assert f.window_sum(flows, T("2025-01-01"), T("2025-10-31")) == pytest.approx(6029.9, abs=0.05)


def test_period_containing__jpx_week_by_a_date_inside(realdata):
    flows = _jpx_foreigners(realdata)
    # JPX weeks end on their last trading day: Friday 2025-04-11 covers Saturday 04-05 onwards.
    assert f.period_containing(flows, T("2025-04-05")) == T("2025-04-11")
    assert f.period_containing(flows, T("2025-12-29")) == T("2025-12-30")


def test_rolling_rank__jpx_counts_a_decade_of_weeks(realdata):
    flows = _jpx_foreigners(realdata)
    rank, compared = f.rolling_rank(flows, T("2025-08-29"), 4, 10)
    assert 1 <= rank <= compared
    # Weekly rows since 2016-01-08 (the file has 553 rows, fewer than ten full years of weeks).
    assert compared == len(flows.loc[:T("2025-08-29")]) - 3
