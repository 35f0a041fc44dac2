"""Rally, low/high, drawdown, record, change and resampling on daily series."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from addin.calc import rally as r
from addin.errors import BadArgument, NoData

T = pd.Timestamp


def _series(points: dict[str, float | None]) -> pd.Series:
    """A daily series from {"YYYY-MM-DD": value}; None is a day without observation."""
    values = [np.nan if v is None else v for v in points.values()]
    return pd.Series(values, index=pd.DatetimeIndex(list(points), name="date"), dtype=float)


APRIL = _series(
    {
        "2025-04-01": 100.0,
        "2025-04-02": 90.0,
        "2025-04-03": None,
        "2025-04-04": 80.0,
        "2025-04-07": 80.0,
        "2025-04-08": 120.0,
        "2025-04-09": 110.0,
    }
)


def test_value_on__weekend_takes_friday():
    assert r.value_on(APRIL, T("2025-04-05")) == (T("2025-04-04"), 80.0)


def test_value_on__missing_day_is_skipped_not_filled():
    assert r.value_on(APRIL, T("2025-04-03")) == (T("2025-04-02"), 90.0)


def test_value_on__before_first_observation():
    with pytest.raises(NoData, match="No data on or before 2025-03-31; series starts 2025-04-01"):
        r.value_on(APRIL, T("2025-03-31"))


def test_value_on__too_old():
    with pytest.raises(NoData, match="^No data within 7 days before 2025-04-17$"):
        r.value_on(APRIL, T("2025-04-17"), max_age_days=7)


def test_value_on__exactly_max_age_is_accepted():
    assert r.value_on(APRIL, T("2025-04-16"), max_age_days=7) == (T("2025-04-09"), 110.0)


def test_value_on__all_missing():
    with pytest.raises(NoData):
        r.value_on(_series({"2025-04-01": None}), T("2025-04-02"))


def test_low__tie_takes_earliest_date():
    assert r.low(APRIL, T("2025-04-01"), T("2025-04-30")) == (T("2025-04-04"), 80.0)


def test_low__window_edges_are_inclusive():
    assert r.low(APRIL, T("2025-04-07"), T("2025-04-08")) == (T("2025-04-07"), 80.0)


def test_high__window():
    assert r.high(APRIL, T("2025-04-01"), T("2025-04-09")) == (T("2025-04-08"), 120.0)


def test_high__tie_takes_earliest_date():
    flat = _series({"2025-01-06": 5.0, "2025-01-07": 7.0, "2025-01-08": 7.0})
    assert r.high(flat, T("2025-01-01"), T("2025-01-31")) == (T("2025-01-07"), 7.0)


def test_low__start_after_end():
    with pytest.raises(BadArgument, match="^start 2025-05-01 is after end 2025-04-30$"):
        r.low(APRIL, T("2025-05-01"), T("2025-04-30"))


def test_low__empty_window():
    with pytest.raises(NoData, match="^No data between 2025-04-10 and 2025-04-30$"):
        r.low(APRIL, T("2025-04-10"), T("2025-04-30"))


def test_low__only_missing_days_in_window():
    with pytest.raises(NoData):
        r.low(APRIL, T("2025-04-03"), T("2025-04-03"))


def test_rally__from_window_low():
    # 110 on 2025-04-09 over the low of 80.
    rise = r.rally(APRIL, T("2025-04-09"), T("2025-04-01"), T("2025-04-30"))
    assert rise == pytest.approx(0.375)


def test_rally__default_window_is_last_365_days():
    older = pd.concat([_series({"2024-04-08": 50.0}), APRIL])
    assert r.rally(older, T("2025-04-09")) == pytest.approx(0.375)
    assert r.rally(older, T("2025-04-07")) == pytest.approx(80 / 50 - 1)


def test_rally__low_window_is_cut_at_as_of():
    # The 80 of 2025-04-04 lies after as_of, so the low is 90 on 2025-04-02.
    assert r.rally(APRIL, T("2025-04-02"), T("2025-04-01"), T("2025-04-30")) == 0.0


def test_rally__non_positive_low():
    yields = _series({"2016-07-26": -0.2, "2016-07-27": -0.297, "2016-07-28": -0.25})
    with pytest.raises(BadArgument, match="not positive"):
        r.rally(yields, T("2016-07-28"))


def test_drawdown__from_high():
    assert r.drawdown(APRIL, T("2025-04-09")) == pytest.approx(110 / 120 - 1)


def test_drawdown__start_after_high():
    assert r.drawdown(APRIL, T("2025-04-09"), T("2025-04-09")) == 0.0


def test_is_record__new_high():
    assert r.is_record(APRIL, T("2025-04-08")) is True


def test_is_record__below_high():
    assert r.is_record(APRIL, T("2025-04-09")) is False


def test_is_record__since_excludes_earlier_high():
    assert r.is_record(APRIL, T("2025-04-09"), since=T("2025-04-09")) is True


def test_is_record__tie_counts():
    flat = _series({"2025-01-06": 7.0, "2025-01-07": 5.0, "2025-01-08": 7.0})
    assert r.is_record(flat, T("2025-01-08")) is True


def test_change__diff():
    assert r.change(APRIL, T("2025-04-01"), T("2025-04-09")) == pytest.approx(10.0)


def test_change__pct():
    assert r.change(APRIL, T("2025-04-01"), T("2025-04-09"), "pct") == pytest.approx(0.1)


def test_change__start_on_missing_day_uses_previous_value():
    assert r.change(APRIL, T("2025-04-03"), T("2025-04-09")) == pytest.approx(20.0)


def test_change__bad_mode():
    with pytest.raises(BadArgument, match="diff"):
        r.change(APRIL, T("2025-04-01"), T("2025-04-09"), "log")


def test_change__start_after_end():
    with pytest.raises(BadArgument, match="after end"):
        r.change(APRIL, T("2025-04-09"), T("2025-04-01"))


def test_relative__a_against_b():
    a = _series({"2025-01-06": 100.0, "2025-02-03": 110.0})
    b = _series({"2025-01-06": 200.0, "2025-02-03": 250.0})
    assert r.relative(a, b, T("2025-01-06"), T("2025-02-03")) == pytest.approx(1.1 / 1.25 - 1)


def test_resample__daily_keeps_observations():
    observed = ["2025-04-01", "2025-04-02", "2025-04-04", "2025-04-07", "2025-04-08", "2025-04-09"]
    assert list(r.resample(APRIL, 0).index) == [T(d) for d in observed]


def test_resample__weekly_dated_by_last_observation():
    # Monday-Sunday weeks: 03-31..04-06 ends with Friday 04-04; 04-07..04-13 with Sunday 04-13.
    sunday = pd.concat([APRIL, _series({"2025-04-13": 130.0, "2025-04-14": 140.0})])
    weekly = r.resample(sunday, 1)
    expected = {T("2025-04-04"): 80.0, T("2025-04-13"): 130.0, T("2025-04-14"): 140.0}
    assert weekly.to_dict() == expected


def test_resample__weekly_without_weekend_rows():
    assert r.resample(APRIL, 1).to_dict() == {T("2025-04-04"): 80.0, T("2025-04-09"): 110.0}


def test_resample__monthly_dated_by_last_observation():
    months = _series(
        {"2025-01-30": 1.0, "2025-01-31": None, "2025-02-03": 2.0, "2025-02-28": 3.0,
         "2025-03-03": 4.0}
    )
    assert r.resample(months, 2).to_dict() == {
        T("2025-01-30"): 1.0, T("2025-02-28"): 3.0, T("2025-03-03"): 4.0
    }


def test_resample__bad_interval():
    with pytest.raises(BadArgument, match="interval 3"):
        r.resample(APRIL, 3)


# Properties on random positive series with gaps and missing days.

_value = st.one_of(st.none(), st.floats(min_value=0.01, max_value=1e6))


@st.composite
def _random_series(draw) -> pd.Series:
    values = draw(st.lists(_value, min_size=1, max_size=40))
    gaps = draw(st.lists(st.integers(1, 5), min_size=len(values), max_size=len(values)))
    dates = T("2020-01-01") + pd.to_timedelta(np.cumsum(gaps), unit="D")
    series = pd.Series([np.nan if v is None else v for v in values], index=dates, dtype=float)
    assume(series.notna().any())
    return series


@st.composite
def _series_with_window(draw):
    """A series, an as_of on or after its first observation, and a start <= as_of's observation."""
    series = draw(_random_series())
    first = series.dropna().index[0]
    as_of = first + pd.Timedelta(days=draw(st.integers(0, 250)))
    observed_on, _ = r.value_on(series, as_of)
    start = observed_on - pd.Timedelta(days=draw(st.integers(0, 250)))
    return series, as_of, start


@given(_series_with_window())
def test_rally__never_negative_when_window_holds_as_of(case):
    series, as_of, start = case
    assert r.rally(series, as_of, start, as_of) >= 0


@given(_series_with_window())
def test_drawdown__never_positive(case):
    series, as_of, start = case
    assert r.drawdown(series, as_of, start) <= 0


@given(_series_with_window())
def test_low__not_above_any_value_in_window(case):
    series, end, start = case
    date, value = r.low(series, start, end)
    inside = series.dropna().loc[start:end]
    assert (value <= inside).all()
    assert start <= date <= end and series[date] == value


@given(_series_with_window())
def test_is_record__iff_value_is_window_max(case):
    series, as_of, since = case
    _, value = r.value_on(series, as_of)
    window_max = series.dropna().loc[since:as_of].max()
    assert r.is_record(series, as_of, since) == (value == window_max)


# Real publisher data (values written from the shared README and the seed note).


def _date_value(path) -> pd.Series:
    return pd.read_csv(path, index_col="date", parse_dates=True)["value"].astype(float)


def test_rally__topix_from_april_2025_low(realdata):
    topix = _date_value(realdata / "equity_index/derived/topix_jpx_official_closes.csv")
    assert r.low(topix, T("2025-04-01"), T("2025-04-30")) == (T("2025-04-07"), 2288.66)
    rise = r.rally(topix, T("2025-08-26"), T("2025-04-01"), T("2025-04-30"))
    assert rise == pytest.approx(0.3423, abs=1e-4)


def test_high__topix_august_september_2025(realdata):
    topix = _date_value(realdata / "equity_index/derived/topix_jpx_official_closes.csv")
    assert r.high(topix, T("2025-08-01"), T("2025-09-30")) == (T("2025-09-26"), 3187.02)
    assert r.high(topix, T("2025-08-01"), T("2025-08-31")) == (T("2025-08-18"), 3120.96)


def test_low__nikkei_2025(realdata):
    nikkei = _date_value(realdata / "equity_index/derived/nikkei225_closes.csv")
    assert r.low(nikkei, T("2025-01-01"), T("2025-12-31")) == (T("2025-04-07"), 31136.58)


def test_low_high__usdjpy_range_with_blank_days(realdata):
    fx = pd.read_csv(realdata / "fred/DEXJPUS.csv", index_col=0, parse_dates=True)["DEXJPUS"]
    assert fx.isna().any()  # FRED leaves US holidays blank
    assert r.low(fx, T("2024-01-01"), T("2025-10-31")) == (T("2024-09-13"), 140.66)
    assert r.high(fx, T("2024-01-01"), T("2025-10-31")) == (T("2024-07-10"), 161.73)
    assert r.low(fx, T("2025-01-01"), T("2025-10-31")) == (T("2025-04-21"), 140.81)


def test_is_record__jgb30y(realdata):
    raw = pd.read_csv(realdata / "mof_jgb/jgbcme_all.csv", skiprows=1, na_values="-")
    jgb30 = pd.Series(
        raw["30Y"].to_numpy(float), index=pd.to_datetime(raw["Date"], format="%Y/%m/%d")
    )
    assert r.is_record(jgb30, T("2026-05-19")) is True
    assert r.high(jgb30, T("2025-01-01"), T("2025-12-31")) == (T("2025-12-22"), 3.374)
    assert r.is_record(jgb30, T("2025-12-22"), since=T("2025-01-01")) is True
    assert r.is_record(jgb30, T("2026-06-30")) is False


def test_drawdown__across_zero_is_refused_with_a_pointer_to_diff():
    yields = _series({"2016-01-04": 0.25, "2016-07-27": -0.297, "2016-09-01": -0.06})
    with pytest.raises(BadArgument, match='not positive.*JP_CHANGE.*"diff"'):
        r.drawdown(yields, T("2016-09-01"))


def test_rally__a_level_below_zero_is_refused_even_when_the_low_was_positive():
    yields = _series({"2015-01-05": 0.33, "2015-02-02": 0.2, "2016-07-27": -0.297})
    with pytest.raises(BadArgument, match="not positive"):
        r.rally(yields, T("2016-07-27"), T("2015-01-01"), T("2015-12-31"))
