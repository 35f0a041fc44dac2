"""Questions about series: rally from a low, drawdown, records, changes, spreads, hedged yields.

Each function fetches what it needs through :mod:`addin.api` and hands plain series and numbers to
the pure functions of :mod:`addin.calc`. A series argument is an id (``"TOPIX"``) or a
``pandas.Series`` the caller already has (a range of prices typed into a sheet).
"""

from __future__ import annotations

import pandas as pd

from addin.calc import hedged, rally as calc
from addin.errors import BadArgument


def _api():
    from addin import api

    return api


def history(series_like, start=None, end=None) -> pd.Series:
    """The observations of an id or a given series, covering at least ``[start, end]``."""
    if isinstance(series_like, pd.Series):
        if series_like.dropna().empty:
            raise BadArgument("the range holds no numbers")
        return series_like.dropna()
    return _api().column(series_like, start, end).series


def _as_of(data: pd.Series, as_of) -> pd.Timestamp:
    when = _api().to_timestamp(as_of)
    return data.index[-1] if when is None else when


def rally(series_like, low_start=None, low_end=None, as_of=None) -> float:
    """Value at ``as_of`` / lowest value in ``[low_start, low_end]`` - 1 (a decimal)."""
    api = _api()
    low_start, low_end = api.to_timestamp(low_start), api.to_timestamp(low_end)
    data = history(series_like, low_start, api.to_timestamp(as_of))
    return calc.rally(data, _as_of(data, as_of), low_start, low_end)


def low(series_like, start=None, end=None) -> tuple[pd.Timestamp, float]:
    """(date, value) of the lowest observation in ``[start, end]``; ties: the earliest date."""
    start, end = _api().to_timestamp(start), _api().to_timestamp(end)
    data = history(series_like, start, end)
    return calc.low(data, start or data.index[0], end or data.index[-1])


def high(series_like, start=None, end=None) -> tuple[pd.Timestamp, float]:
    """(date, value) of the highest observation in ``[start, end]``; ties: the earliest date."""
    start, end = _api().to_timestamp(start), _api().to_timestamp(end)
    data = history(series_like, start, end)
    return calc.high(data, start or data.index[0], end or data.index[-1])


def drawdown(series_like, start=None, as_of=None) -> float:
    """Value at ``as_of`` / highest value since ``start`` - 1 (zero or negative)."""
    start = _api().to_timestamp(start)
    data = history(series_like, start, _api().to_timestamp(as_of))
    return calc.drawdown(data, _as_of(data, as_of), start)


def is_record(series_like, as_of=None, since=None) -> bool:
    """True when the value at ``as_of`` is the highest since ``since`` (whole history if omitted)."""
    since = _api().to_timestamp(since)
    data = history(series_like, since or pd.Timestamp(_api().TREASURY_FIRST_YEAR, 1, 1),
                   _api().to_timestamp(as_of))
    return calc.is_record(data, _as_of(data, as_of), since)


def change(series_like, start, end=None, mode: str | None = None) -> float:
    """Change from ``start`` to ``end``: "diff" (points, default for % series) or "pct" (decimal)."""
    api = _api()
    start, end = api.to_timestamp(start), api.to_timestamp(end)
    if start is None:
        raise BadArgument('start date is required, e.g. "2025-01-01"')
    data = history(series_like, start, end)
    if mode is None or (isinstance(mode, str) and not mode.strip()):
        mode = "diff" if _unit(series_like) == "%" else "pct"
    mode = api._choice(mode, ("diff", "pct"), "mode")
    return calc.change(data, start, _as_of(data, end), mode)


def _unit(series_like) -> str | None:
    return _api().spec(series_like).unit if isinstance(series_like, str) else None


def spread(series_a, series_b, when=None) -> float:
    """a - b on ``when`` (latest observation on or before it), in the series' unit."""
    api = _api()
    when = api.to_timestamp(when) or min(api.observation(series_a)[0], api.observation(series_b)[0])
    return api.value(series_a, when) - api.value(series_b, when)


def relative(series_a, series_b, start, end=None) -> float:
    """(a_end / a_start) / (b_end / b_start) - 1: how much ``a`` beat ``b`` over the window."""
    api = _api()
    start, end = api.to_timestamp(start), api.to_timestamp(end)
    if start is None:
        raise BadArgument('start date is required, e.g. "2025-04-07"')
    a, b = history(series_a, start, end), history(series_b, start, end)
    end = end or min(a.index[-1], b.index[-1])
    return calc.relative(a, b, start, end)


# -- hedging -------------------------------------------------------------------------------

def hedged_yield(yield_pct: float, asset_rate: float, home_rate: float, days: int = 90,
                 basis_bp: float = 0.0, home_ccy: str = "USD") -> float:
    """A yield hedged into ``home_ccy`` with a rolled FX forward (USD<->JPY conventions)."""
    home = _api()._choice(home_ccy, ("USD", "JPY"), "home currency")
    usd, jpy = (home_rate, asset_rate) if home == "USD" else (asset_rate, home_rate)
    asset = "JPY" if home == "USD" else "USD"
    return hedged.hedged_yield(yield_pct, asset, home, usd, jpy, days, basis_bp)


def hedge_rates(when=None) -> tuple[float, float]:
    """(SOFR, TONA) on ``when``: the overnight rates standing in for term rates."""
    return _api().value("SOFR", when), _api().value("TONA", when)


def hedge_cost(home_ccy: str = "JPY", when=None, days: int = 90, basis_bp: float = 0.0) -> float:
    """Annualised cost of hedging (negative: pickup): JPY home hedges USD assets and vice versa."""
    home = _api()._choice(home_ccy, ("USD", "JPY"), "home currency")
    usd, jpy = hedge_rates(when)
    if home == "JPY":
        return hedged.jpy_hedge_cost(usd, jpy, days, basis_bp)
    return -hedged.usd_pickup(usd, jpy, days, basis_bp)


def hedged_spread(asset: str, benchmark: str, when=None, days: int = 90,
                  basis_bp: float = 0.0) -> float:
    """Hedged yield of ``asset`` in the benchmark's currency minus the benchmark yield (pp)."""
    api = _api()
    asset_ccy, bench_ccy = _currency(asset), _currency(benchmark)
    when = api.to_timestamp(when) or min(api.observation(asset)[0], api.observation(benchmark)[0])
    usd, jpy = hedge_rates(when)
    return hedged.hedged_spread(api.value(asset, when), asset_ccy, api.value(benchmark, when),
                                bench_ccy, usd, jpy, days, basis_bp)


def _currency(series_id) -> str:
    if not isinstance(series_id, str):
        raise BadArgument("hedged spread needs series ids such as \"JGB5Y\", not a range")
    found = _api().spec(series_id)
    if found.currency not in ("USD", "JPY"):
        raise BadArgument(f"{found.id} is not a USD or JPY yield")
    return found.currency
