"""Flow questions: one period, a table of periods, a window sum, a rank against history.

Flows are in JPY billions as parsed; ``currency="USD"`` converts each period at the mean of that
period's daily USDJPY, and only the periods asked for are converted.
"""

from __future__ import annotations

from bisect import bisect_left

import numpy as np
import pandas as pd

from addin import args, dates, origins
from addin.calc import flows as calc
from addin.column import Column
from addin.errors import BadArgument, NoData, UnknownSeries
from addin.queries.series import column as series_column, table_rows
from addin.sources.base import MONTHLY, FlowSpec

MEASURES = ("net", "buy", "sell", "gross")
CURRENCIES = ("JPY", "USD")


def _market(found: FlowSpec, market) -> str:
    return args.optional_choice(market, found.markets, "market", found.default_market)


def _column(engine, found: FlowSpec, market: str, measure: str) -> Column:
    """The flow as cached arrays (periods without a figure kept as NaN)."""
    if measure == "gross":
        buy, sell = _column(engine, found, market, "buy"), _column(engine, found, market, "sell")
        return Column(buy.dates, buy.values + sell.values, buy.urls)
    try:
        return origins.flow_column(engine, found, market, measure)
    except NoData as exc:
        origin = getattr(exc, "origin", found.all_origins[0])
        _missing_flow(engine.frame(origin.source, origin.key), found, origin.column, market,
                      measure)
        raise


def _missing_flow(frame: pd.DataFrame, found: FlowSpec, investor: str, market: str,
                  measure: str) -> None:
    markets = sorted(set(frame.columns.get_level_values(0)))
    if market not in markets:
        raise BadArgument(f"market {market!r} not in {found.id.split(':')[0]}; use "
                          + ", ".join(markets)[:40])
    if investor not in set(frame.columns.get_level_values(1)):
        raise UnknownSeries(f'Unknown flow "{found.id[:30]}"; try JP_SEARCH("{found.id[:3]}")')
    raise NoData(f'{found.id} has no {measure} figures; try measure "net"')


def _resolve(engine, investor, measure, market, currency):
    """(flow spec, its column, currency) for the arguments as a cell gives them."""
    memo_key = ("flow arguments", investor, measure, market, currency)
    try:
        resolved = engine.memo.get(memo_key)
    except TypeError:  # an argument that is not text: the checks below say what is wrong
        resolved, memo_key = None, None
    if resolved is None:
        found = engine.flow_spec(investor)
        resolved = (found, _market(found, market), args.choice(measure, MEASURES, "measure"),
                    args.choice(currency, CURRENCIES, "currency"))
        if memo_key is not None:
            engine.remember(memo_key, resolved)
    found, market, measure, currency = resolved
    return found, _column(engine, found, market, measure), currency


def _in_usd(engine, data: pd.Series, context: pd.Series) -> pd.Series:
    """``data`` (a slice of ``context``) in USD; the period before it fixes the first start."""
    at = context.index.get_loc(data.index[0])
    wider = context.iloc[max(at - 1, 0): at + len(data)]
    usdjpy = series_column(engine, "USDJPY").series
    return calc.to_usd(wider, usdjpy).loc[data.index]


def _between(first: int | None, last: int | None) -> str:
    return (f"between {dates.ymd(first) if first is not None else 'start'} and "
            f"{dates.ymd(last) if last is not None else 'today'}")


def flows(engine, investor: str, start=None, end=None, measure: str = "net", market=None,
          currency: str = "JPY") -> pd.Series:
    """One investor's flows per period (JPY or USD billions), dated by each period's last day."""
    found, col, currency = _resolve(engine, investor, measure, market, currency)
    first, last = dates.day_number(start), dates.day_number(end)
    i, j = col.span(first, last)
    window = col.series.iloc[i:j].dropna()
    if window.empty:
        raise NoData(f"No {found.id} periods {_between(first, last)}")
    return _in_usd(engine, window, col.series) if currency == "USD" else window.copy()


def flow_rows(engine, investor: str, start=None, end=None, measure: str = "net", market=None,
              currency: str = "JPY") -> tuple:
    """The table :func:`flows` gives as ``((period end, amount), ...)`` rows."""
    return table_rows(flows(engine, investor, start, end, measure, market, currency))


def flow(engine, investor: str, when=None, measure: str = "net", market=None,
         currency: str = "JPY") -> tuple[pd.Timestamp, float]:
    """The period containing ``when`` (default: the latest): (period end, amount)."""
    found, col, currency = _resolve(engine, investor, measure, market, currency)
    at = period_at(col, dates.day_number(when))
    amount = col.numbers[at]
    if amount != amount:  # NaN: the period exists but its figure is not published
        raise NoData(f"No {found.id} figure for the period ending {dates.ymd(col.days[at])}")
    if currency == "USD":
        amount = float(_in_usd(engine, col.series.iloc[at:at + 1], col.series).iloc[0])
    return dates.timestamp(col.days[at]), amount


def period_at(col: Column, day: int | None) -> int:
    """Position of the period containing ``day`` (the latest published when ``None``)."""
    if day is None:
        published = np.flatnonzero(~np.isnan(col.values))
        if len(published) == 0:
            raise NoData("No flow figures published")
        return int(published[-1])
    days = col.days
    at = bisect_left(days, day)
    if at == 0 or at == len(days):  # the edges need the period-length rules
        end = calc.period_containing(col.series, dates.timestamp(day))
        return col.span(dates.day_number(end), None)[0]
    return at


def flow_sum(engine, investor: str, start, end=None, market=None, currency: str = "JPY") -> float:
    """Cumulative net flow over the periods ending in ``[start, end]``."""
    first = args.required_day(start)
    last = dates.day_number(end)
    args.ordered(first, last)
    if args.choice(currency, CURRENCIES, "currency") == "USD":
        return float(flows(engine, investor, start, end, "net", market, currency).sum())
    found, col, _ = _resolve(engine, investor, "net", market, currency)
    try:
        return calc.window_sum(col.series, dates.timestamp(first),
                               dates.timestamp(dates.LAST_DAY if last is None else last))
    except NoData:
        raise NoData(f"No {found.id} periods {_between(first, last)}") from None


def flow_rank(engine, investor: str, when=None, window: int | None = None, years: int = 10,
              market=None) -> tuple[int, int]:
    """Rank (1 = largest) of the ``window``-period sum ending at ``when`` among ``years`` years.

    ``window`` defaults to a year of periods (52 weeks or 12 months).
    """
    found, col, _ = _resolve(engine, investor, "net", market, "JPY")
    if window is None:
        window = 12 if found.frequency == MONTHLY else 52
    if not 1 <= int(window) <= 1000 or not 1 <= int(years) <= 100:
        raise BadArgument("window must be 1..1000 periods and years 1..100")
    target = dates.timestamp(col.days[period_at(col, dates.day_number(when))])
    memo_key = ("rolling", found.source, found.key, found.investor, int(window))
    cached = engine.memo.get(memo_key)
    if cached is None or cached[0] is not col:
        cached = engine.remember(memo_key, (col, calc.rolling_sums(col.series, int(window))))
    return calc.rank_among(cached[1], target, int(window), int(years))
