"""Flow questions: one period, a table of periods, a window sum, a rank against history.

Flows are in JPY billions as parsed; ``currency="USD"`` converts each period at the mean of that
period's daily USDJPY, and only the periods asked for are converted.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from addin import catalogue
from addin.calc import flows as calc
from addin.engine import Column
from addin.errors import BadArgument, NoData, UnknownSeries

MEASURES = ("net", "buy", "sell", "gross")
CURRENCIES = ("JPY", "USD")
_rolling: dict[int, tuple[Column, pd.Series]] = {}


def _api():
    from addin import api

    return api


def flow_spec(investor: str) -> catalogue.FlowSpec:
    """The catalogue entry of a flow id (case-insensitive)."""
    if not isinstance(investor, str) or not investor.strip():
        raise BadArgument('Investor is empty; try JP_SEARCH("JPX")')
    return catalogue.flow_spec(investor)


def _market(found: catalogue.FlowSpec, market: str | None) -> str:
    if market is None or (isinstance(market, str) and not market.strip()):
        return found.default_market
    return _api()._choice(market, found.markets, "market")


def _column(found: catalogue.FlowSpec, market: str, measure: str) -> Column:
    """The flow as cached arrays (periods without a figure kept as NaN)."""
    eng = _api().engine()
    if measure == "gross":
        buy, sell = _column(found, market, "buy"), _column(found, market, "sell")
        return Column(buy.dates, buy.values + sell.values, buy.urls)
    try:
        return eng.column(found.source, found.key, (market, found.investor, measure), True)
    except NoData:
        _missing_flow(eng.frame(found.source, found.key), found, market, measure)
        raise


def _missing_flow(frame: pd.DataFrame, found, market: str, measure: str) -> None:
    markets = sorted(set(frame.columns.get_level_values(0)))
    if market not in markets:
        raise BadArgument(f"market {market!r} not in {found.id.split(':')[0]}; use "
                          + ", ".join(markets)[:40])
    if found.investor not in set(frame.columns.get_level_values(1)):
        raise UnknownSeries(f'Unknown flow "{found.id[:30]}"; try JP_SEARCH("{found.id[:3]}")')
    raise NoData(f'{found.id} has no {measure} figures; try measure "net"')


def _resolve(investor, measure, market, currency):
    api = _api()
    found = flow_spec(investor)
    measure = api._choice(measure, MEASURES, "measure")
    currency = api._choice(currency, CURRENCIES, "currency")
    return found, _column(found, _market(found, market), measure), currency


def _in_usd(data: pd.Series, context: pd.Series) -> pd.Series:
    """``data`` (a slice of ``context``) in USD; the period before it fixes the first start."""
    at = context.index.get_loc(data.index[0])
    wider = context.iloc[max(at - 1, 0): at + len(data)]
    usdjpy = _api().column("USDJPY").series
    return calc.to_usd(wider, usdjpy).loc[data.index]


def flows(investor: str, start=None, end=None, measure: str = "net", market: str | None = None,
          currency: str = "JPY") -> pd.Series:
    """One investor's flows per period (JPY or USD billions), dated by each period's last day."""
    api = _api()
    found, col, currency = _resolve(investor, measure, market, currency)
    start, end = api.to_timestamp(start), api.to_timestamp(end)
    window = col.series.loc[start:end].dropna()
    if window.empty:
        raise NoData(f"No {found.id} periods between {api._ymd(start) if start is not None else 'start'}"
                     f" and {api._ymd(end) if end is not None else 'today'}")
    return _in_usd(window, col.series) if currency == "USD" else window.copy()


def flow(investor: str, when=None, measure: str = "net", market: str | None = None,
         currency: str = "JPY") -> tuple[pd.Timestamp, float]:
    """The period containing ``when`` (default: the latest): (period end, amount)."""
    found, col, currency = _resolve(investor, measure, market, currency)
    at = _period_at(col, when)
    amount = float(col.values[at])
    if np.isnan(amount):
        raise NoData(f"No {found.id} figure for the period ending {_api()._ymd(col.dates[at])}")
    if currency == "USD":
        amount = float(_in_usd(col.series.iloc[at:at + 1], col.series).iloc[0])
    return pd.Timestamp(col.dates[at]), amount


def _period_at(col: Column, when) -> int:
    """Position of the period containing ``when`` (latest published when ``None``)."""
    if when is None or (isinstance(when, str) and not when.strip()):
        published = np.flatnonzero(~np.isnan(col.values))
        if len(published) == 0:
            raise NoData("No flow figures published")
        return int(published[-1])
    day = _api()._day64(when)
    at = int(np.searchsorted(col.dates, day, side="left"))
    if at == 0 or at == len(col.dates):  # the edges need the period-length rules
        end = calc.period_containing(col.series, pd.Timestamp(day))
        return int(np.searchsorted(col.dates, np.datetime64(end, "ns")))
    return at


def flow_sum(investor: str, start, end=None, market: str | None = None,
             currency: str = "JPY") -> float:
    """Cumulative net flow over the periods ending in ``[start, end]``."""
    api = _api()
    start = api.to_timestamp(start)
    if start is None:
        raise BadArgument('start date is required, e.g. "2025-01-01"')
    end = api.to_timestamp(end) or pd.Timestamp.max.normalize()
    if start > end:
        raise BadArgument(f"start {api._ymd(start)} is after end {api._ymd(end)}")
    if api._choice(currency, CURRENCIES, "currency") == "USD":
        return float(flows(investor, start, end, "net", market, currency).sum())
    found, col, _ = _resolve(investor, "net", market, currency)
    first = np.searchsorted(col.dates, np.datetime64(start, "ns"), "left")
    last = np.searchsorted(col.dates, np.datetime64(end, "ns"), "right")
    inside = col.values[first:last]
    if not (~np.isnan(inside)).any():
        raise NoData(f"No {found.id} periods between {api._ymd(start)} and {api._ymd(end)}")
    return float(np.nansum(inside))


def flow_rank(investor: str, when=None, window: int | None = None, years: int = 10,
              market: str | None = None) -> tuple[int, int]:
    """Rank (1 = largest) of the ``window``-period sum ending at ``when`` among ``years`` years.

    ``window`` defaults to a year of periods (52 weeks or 12 months).
    """
    found, col, _ = _resolve(investor, "net", market, "JPY")
    if window is None:
        window = 12 if found.frequency == catalogue.MONTHLY else 52
    if not 1 <= int(window) <= 1000 or not 1 <= int(years) <= 100:
        raise BadArgument("window must be 1..1000 periods and years 1..100")
    target = pd.Timestamp(col.dates[_period_at(col, when)])
    return _rank(col, target, int(window), int(years))


def _rank(col: Column, target: pd.Timestamp, window: int, years: int) -> tuple[int, int]:
    """Rolling sums are computed once per column and window, then ranked per call."""
    cached = _rolling.get(window)
    if cached is None or cached[0] is not col:
        cached = (col, calc.rolling_sums(col.series, window))
        _rolling[window] = cached
    return calc.rank_among(cached[1], target, window, years)
