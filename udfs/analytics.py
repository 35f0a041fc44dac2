"""``JP_*`` functions that measure series: rally, low/high, drawdown, record, hedged yields."""

from __future__ import annotations

import pandas as pd

from addin import api
from addin.errors import BadArgument
from udfs.coerce import position, to_bool, to_date, to_int, to_number, to_series, to_text
from udfs.decorator import udf
from udfs.functions import BASIS, DATE, DAYS, HEADERS, SERIES, SERIES_OR_RANGE, table


def _dated(series, *dates):
    """A one-column range has no dates: only the whole range can be used as the window."""
    value = to_series(series)
    if isinstance(value, pd.Series) and value.attrs.get("positional") and any(
            d is not None for d in dates):
        raise BadArgument("dates need a two-column date,value range")
    return value


@udf(series_or_range=SERIES_OR_RANGE,
     low_start="Start of the window searched for the low (default: a year before as_of)",
     low_end="End of that window (default: as_of)", as_of=DATE)
def JP_RALLY(series_or_range, low_start=None, low_end=None, as_of=None):
    """Rally from a low: value at as_of / lowest value in [low_start, low_end] - 1, as a decimal.

    Example: =JP_RALLY("TOPIX", "2025-04-01", "2025-04-30", "2025-08-26") gives 0.342 (+34.2%).
    """
    dates = (to_date(low_start, "low_start"), to_date(low_end, "low_end"), to_date(as_of, "as_of"))
    data = _dated(series_or_range, *dates)
    if isinstance(data, pd.Series) and data.attrs.get("positional"):
        dates = (data.index[0], None, None)
    return api.rally(data, *dates)


def _extreme(pick, series_or_range, start_date, end_date) -> list[list]:
    """1x2: the date and the value; a values-only range has no dates, so its row number instead."""
    dates = (to_date(start_date, "start_date"), to_date(end_date, "end_date"))
    data = _dated(series_or_range, *dates)
    when, value = pick(data, *dates)
    if isinstance(data, pd.Series) and data.attrs.get("positional"):
        return [[position(when), float(value)]]
    return [[pd.Timestamp(when).to_pydatetime(), float(value)]]


@udf(series_or_range=SERIES_OR_RANGE, start_date=DATE, end_date=DATE)
def JP_LOW(series_or_range, start_date=None, end_date=None):
    """Lowest value in the window as a 1x2 row: date, value (earliest date on ties).

    For a one-column range of values (no dates), the first item is the row number in the range.
    Example: =JP_LOW("TOPIX", "2025-04-01", "2025-04-30")
    """
    return _extreme(api.low, series_or_range, start_date, end_date)


@udf(series_or_range=SERIES_OR_RANGE, start_date=DATE, end_date=DATE)
def JP_HIGH(series_or_range, start_date=None, end_date=None):
    """Highest value in the window as a 1x2 row: date, value (earliest date on ties).

    For a one-column range of values (no dates), the first item is the row number in the range.
    Example: =JP_HIGH("USDJPY", "2024-01-01", "2025-10-31")
    """
    return _extreme(api.high, series_or_range, start_date, end_date)


@udf(series_or_range=SERIES_OR_RANGE,
     start_date="Start of the window for the high (default: first value)",
     as_of=DATE)
def JP_DRAWDOWN(series_or_range, start_date=None, as_of=None):
    """Drawdown: value at as_of / highest value since start - 1 (zero or negative decimal).

    Example: =JP_DRAWDOWN("NIKKEI225", "2025-01-01")
    """
    dates = (to_date(start_date, "start_date"), to_date(as_of, "as_of"))
    return api.drawdown(_dated(series_or_range, *dates), *dates)


@udf(series=SERIES, as_of=DATE, since="Start of the comparison (default: whole history)")
def JP_IS_RECORD(series, as_of=None, since=None):
    """TRUE when the value at as_of is the highest since `since` (ties count as a record).

    Example: =JP_IS_RECORD("JGB30Y", "2025-09-03", "1999-09-02")
    """
    dates = (to_date(as_of, "as_of"), to_date(since, "since"))
    return bool(api.is_record(_dated(series, *dates), *dates))


@udf(yield_pct="Yield of the bond in its own currency, % (e.g. 1.13)",
     asset_rate="Short rate of the bond's currency, % (e.g. TONA 0.48)",
     home_rate="Short rate of the investor's currency, % (e.g. SOFR 4.30)",
     days=DAYS, basis_bp=BASIS,
     home_ccy='Investor currency: "USD" (default, JPY bond) or "JPY" (USD bond)')
def JP_HEDGED_YIELD(yield_pct, asset_rate, home_rate, days=90, basis_bp=0, home_ccy="USD"):
    """A bond yield hedged into the investor's currency with a rolled FX forward, in %.

    Covered interest parity with USD ACT/360 and JPY ACT/365 legs.
    Example: =JP_HEDGED_YIELD(1.13, 0.48, 4.30) gives about 4.95 (a JGB for a dollar investor).
    """
    return api.hedged_yield(to_number(yield_pct, "yield"), to_number(asset_rate, "asset_rate"),
                            to_number(home_rate, "home_rate"), to_int(days, "days", 90, 1, 3650),
                            to_number(basis_bp, "basis_bp", 0.0),
                            to_text(home_ccy, "home_ccy", "USD"))


@udf(home_ccy='"JPY" (default): a yen investor hedging dollars; "USD": the reverse',
     on_date=DATE, days=DAYS, basis_bp=BASIS)
def JP_HEDGE_COST(home_ccy="JPY", on_date=None, days=90, basis_bp=0):
    """Annualised cost of an FX hedge in % (negative = pickup), from SOFR and TONA on the date.

    Example: =JP_HEDGE_COST("JPY", "2025-09-30") gives about 3.7 for a yen investor.
    """
    return api.hedge_cost(to_text(home_ccy, "home_ccy", "JPY"), to_date(on_date, "on_date"),
                          to_int(days, "days", 90, 1, 3650), to_number(basis_bp, "basis_bp", 0.0))


@udf(asset=SERIES, benchmark=SERIES, on_date=DATE, days=DAYS, basis_bp=BASIS)
def JP_HEDGED_SPREAD(asset, benchmark, on_date=None, days=90, basis_bp=0):
    """Hedged yield of `asset` in the benchmark's currency minus the benchmark yield, in % points.

    Example: =JP_HEDGED_SPREAD("JGB5Y", "UST5Y") is about +1.3 in late Aug 2025 (a dollar investor
    earns more in a hedged 5Y JGB than in a 5Y Treasury); ("UST10Y","JGB10Y") for a yen investor.
    """
    return api.hedged_spread(to_text(asset, "asset", ""), to_text(benchmark, "benchmark", ""),
                             to_date(on_date, "on_date"), to_int(days, "days", 90, 1, 3650),
                             to_number(basis_bp, "basis_bp", 0.0))


@udf(asset=SERIES, home_ccy='Investor currency: "USD" (default, JPY bond) or "JPY" (USD bond)',
     start_date=DATE, end_date=DATE, interval="0 daily, 1 weekly, 2 monthly (default)",
     days=DAYS, basis_bp=BASIS, headers=HEADERS)
def JP_HEDGED_SERIES(asset, home_ccy="USD", start_date=None, end_date=None, interval=2, days=90,
                     basis_bp=0, headers=1):
    """Table of date, hedged yield in %: the asset hedged into the investor's currency over time.

    Each row uses SOFR and TONA on its own date (covered interest parity, as JP_HEDGED_YIELD).
    Example: =JP_HEDGED_SERIES("JGB5Y", "USD", "2024-01-01") charts the USD-hedged 5Y JGB monthly.
    """
    name = to_text(asset, "asset", "")
    home = to_text(home_ccy, "home_ccy", "USD")
    data = api.hedged_series(name, home, to_date(start_date, "start_date"),
                             to_date(end_date, "end_date"), to_int(interval, "interval", 2, 0, 2),
                             to_int(days, "days", 90, 1, 3650), to_number(basis_bp, "basis_bp", 0.0))
    header = ["Date", f"{name.upper()} hedged into {home.upper()}"]
    return table(data, header if to_bool(headers, "headers", True) else None)
