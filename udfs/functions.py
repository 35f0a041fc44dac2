"""The ``JP_*`` Excel functions. Each one coerces its arguments, asks :mod:`addin.api`, and shapes
the answer: a number, TRUE/FALSE, a text, or a table that spills (a list of rows)."""

from __future__ import annotations

import pandas as pd

from addin import api
from udfs.coerce import is_blank, to_bool, to_date, to_int, to_series, to_text
from udfs.decorator import udf

SERIES = 'Series id such as "JGB10Y", "UST5Y", "TOPIX" (see JP_SEARCH)'
SERIES_OR_RANGE = 'Series id such as "TOPIX", or a range of prices (values, or date,value)'
INVESTOR = 'Flow id such as "JPX:Foreigners" or "MOF:Foreign:Equity" (see JP_SEARCH)'
DATE = "Date: a date cell, serial number or \"YYYY-MM-DD\"; blank = latest"
MARKET = 'JPX market: "TokyoNagoya" (default), "Prime", "Standard", "Growth"'
CURRENCY = '"JPY" (default, billions of yen) or "USD" (billions of dollars)'
HEADERS = "1 (default) adds a header row, 0 leaves it out"
DAYS = "Hedge tenor in days, rolled (default 90)"
BASIS = "Cross-currency basis in bp added to the yen leg (default 0; USDJPY is usually negative)"


def table(series: pd.Series, header: list[str] | None) -> list[list]:
    """A dated series as rows of date, value under an optional header row (spills down)."""
    stamps = pd.DatetimeIndex(series.index).to_pydatetime().tolist()
    return rows_table(zip(stamps, series.to_numpy(dtype="float64").tolist()), header)


def rows_table(rows, header: list[str] | None) -> list[list]:
    """The sheet's rows: a header if asked, then [date, value] lists of the engine's rows."""
    return ([header] if header else []) + [list(row) for row in rows]


@udf(series=SERIES, on_date=DATE)
def JP_VALUE(series, on_date=None):
    """Value of a series on a date (the latest observation on or before it).

    Yields and rates in percent as published, indices in points, USDJPY in yen.
    Example: =JP_VALUE("JGB10Y", "2025-09-30")
    """
    return api.value(to_series(series), to_date(on_date, "on_date"))


@udf(series=SERIES, start_date=DATE, end_date=DATE,
     interval="0 daily (default), 1 weekly, 2 monthly",
     headers=HEADERS)
def JP_SERIES(series, start_date=None, end_date=None, interval=0, headers=1):
    """Table of date, value for a series, like STOCKHISTORY (spills down).

    Example: =JP_SERIES("UST5Y", "2025-01-01", "2025-12-31", 2)
    """
    name = to_series(series)
    data = api.series_rows(name, to_date(start_date, "start_date"),
                           to_date(end_date, "end_date"), to_int(interval, "interval", 0, 0, 2))
    label = name.upper() if isinstance(name, str) else "Value"
    return rows_table(data, ["Date", label] if to_bool(headers, "headers", True) else None)


@udf(series=SERIES_OR_RANGE, start_date=DATE, end_date=DATE,
     mode='"diff" (points; default for yields) or "pct" (decimal)')
def JP_CHANGE(series, start_date, end_date=None, mode=None):
    """Change of a series between two dates.

    Yields: "diff" in percentage points (0.25 = +25bp). Prices: "pct" as a decimal (0.1 = +10%).
    Example: =JP_CHANGE("TONA", "2025-01-01", "2025-09-30")
    """
    return api.change(to_series(series), to_date(start_date, "start_date"),
                      to_date(end_date, "end_date"),
                      to_text(mode, "mode"))


@udf(series_a=SERIES, series_b=SERIES, on_date=DATE)
def JP_SPREAD(series_a, series_b, on_date=None):
    """Spread a - b on a date, in the series' unit (percentage points for yields).

    Example: =JP_SPREAD("JGB30Y", "JGB2Y", "2025-09-30") measures curve steepness.
    """
    return api.spread(to_series(series_a, "series_a"), to_series(series_b, "series_b"),
                      to_date(on_date, "on_date"))


@udf(series_a=SERIES_OR_RANGE, series_b=SERIES_OR_RANGE, start_date=DATE, end_date=DATE)
def JP_RELATIVE(series_a, series_b, start_date, end_date=None):
    """How much a beat b between two dates: (a_end/a_start)/(b_end/b_start) - 1, a decimal.

    Example: =JP_RELATIVE("TOPIX", "NIKKEI225", "2025-04-07", "2025-08-26")
    """
    return api.relative(to_series(series_a, "series_a"), to_series(series_b, "series_b"),
                        to_date(start_date, "start_date"), to_date(end_date, "end_date"))


@udf(investor=INVESTOR, on_date="Any date inside the week or month; blank = latest period",
     measure='"net" (default), "buy", "sell" or "gross"', market=MARKET, ccy=CURRENCY)
def JP_FLOW(investor, on_date=None, measure="net", market=None, ccy="JPY"):
    """One period's flow (billions; positive = net buying) for the period containing the date.

    Example: =JP_FLOW("JPX:Foreigners", "2025-08-22")
    """
    return api.flow(to_text(investor, "investor", ""), to_date(on_date, "on_date"),
                    to_text(measure, "measure", "net"), to_text(market, "market"),
                    to_text(ccy, "ccy", "JPY"))[1]


@udf(investor=INVESTOR, start_date=DATE, end_date=DATE,
     measure='"net" (default), "buy", "sell", "gross"',
     market=MARKET, ccy=CURRENCY, headers=HEADERS)
def JP_FLOWS(investor, start_date=None, end_date=None, measure="net", market=None, ccy="JPY",
             headers=1):
    """Table of period end, flow (billions) for every period in the window (spills down).

    Example: =JP_FLOWS("MOF:Foreign:Equity", "2025-01-01")
    """
    name = to_text(investor, "investor", "")
    data = api.flow_rows(name, to_date(start_date, "start_date"), to_date(end_date, "end_date"),
                         to_text(measure, "measure", "net"), to_text(market, "market"),
                         to_text(ccy, "ccy", "JPY"))
    return rows_table(data, ["Period end", name] if to_bool(headers, "headers", True) else None)


@udf(investor=INVESTOR, start_date=DATE, end_date=DATE, market=MARKET, ccy=CURRENCY)
def JP_FLOW_SUM(investor, start_date, end_date=None, market=None, ccy="JPY"):
    """Cumulative net flow (billions) over the periods ending between start and end.

    Example: =JP_FLOW_SUM("JPX:Individuals", "2025-01-01", , , "USD") is the year to date in USD.
    """
    return api.flow_sum(to_text(investor, "investor", ""), to_date(start_date, "start_date"),
                        to_date(end_date, "end_date"), to_text(market, "market"),
                        to_text(ccy, "ccy", "JPY"))


@udf(investor=INVESTOR, on_date=DATE,
     window="Periods summed (default: a year, 52 weeks or 12 months)",
     years="Years of history compared (default 10)")
def JP_FLOW_RANK(investor, on_date=None, window=None, years=10):
    """Rank (1 = largest) of the rolling sum ending at the date among all such sums in `years`.

    1 with years=10 means "the most in a decade". Example: =JP_FLOW_RANK("MOF:Foreign:Equity")
    """
    name = to_text(investor, "investor", "")
    periods = None if is_blank(window) else to_int(window, "window", 52, 1, 1000)
    years = to_int(years, "years", 10, 1, 100)
    return api.flow_rank(name, to_date(on_date, "on_date"), periods, years)[0]
