"""FX-hedged yields between USD and JPY, with SOFR and TONA standing in for term rates.

All arithmetic is :mod:`addin.calc.hedged`; this module only fetches the yields and the rates
(as of one common date) that it needs.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from addin import args, dates
from addin.calc import hedged
from addin.errors import BadArgument
from addin.queries.series import observe_day

HOME_CURRENCIES = ("USD", "JPY")


def hedged_yield(yield_pct: float, asset_rate: float, home_rate: float, days: int = 90,
                 basis_bp: float = 0.0, home_ccy: str = "USD") -> float:
    """A yield hedged into ``home_ccy`` with a rolled FX forward (USD<->JPY conventions)."""
    home = args.choice(home_ccy, HOME_CURRENCIES, "home currency")
    usd, jpy = (home_rate, asset_rate) if home == "USD" else (asset_rate, home_rate)
    asset = "JPY" if home == "USD" else "USD"
    return hedged.hedged_yield(yield_pct, asset, home, usd, jpy, days, basis_bp)


def hedge_rates(engine, day: int | None) -> tuple[float, float]:
    """(SOFR, TONA) on ``day``: the overnight rates standing in for term rates."""
    return (observe_day(engine, engine.spec("SOFR"), day)[1],
            observe_day(engine, engine.spec("TONA"), day)[1])


def hedge_cost(engine, home_ccy: str = "JPY", when=None, days: int = 90,
               basis_bp: float = 0.0) -> float:
    """Annualised cost of hedging (negative: pickup): JPY home hedges USD assets and vice versa."""
    home = args.choice(home_ccy, HOME_CURRENCIES, "home currency")
    usd, jpy = hedge_rates(engine, dates.day_number(when))
    if home == "JPY":
        return hedged.jpy_hedge_cost(usd, jpy, days, basis_bp)
    return -hedged.usd_pickup(usd, jpy, days, basis_bp)


@dataclass(frozen=True)
class HedgedSpread:
    """Every leg of a hedged spread, as of one date: what the report prints line by line."""

    on: pd.Timestamp
    asset: float
    benchmark: float
    usd_rate: float
    jpy_rate: float
    hedged: float

    @property
    def spread(self) -> float:
        return self.hedged - self.benchmark


def hedged_legs(engine, asset: str, benchmark: str, when=None, days: int = 90,
                basis_bp: float = 0.0) -> HedgedSpread:
    """The asset hedged into the benchmark's currency, with the yields and rates it used."""
    asset_spec, bench_spec = engine.spec(_id(asset)), engine.spec(_id(benchmark))
    asset_ccy, bench_ccy = _currency(asset_spec), _currency(bench_spec)
    day = dates.day_number(when)
    if day is None:
        day = min(observe_day(engine, asset_spec, None)[0], observe_day(engine, bench_spec, None)[0])
    usd, jpy = hedge_rates(engine, day)
    asset_yield = observe_day(engine, asset_spec, day)[1]
    bench_yield = observe_day(engine, bench_spec, day)[1]
    hedged_pct = hedged.hedged_yield(asset_yield, asset_ccy, bench_ccy, usd, jpy, days, basis_bp)
    return HedgedSpread(dates.timestamp(day), asset_yield, bench_yield, usd, jpy, hedged_pct)


def hedged_spread(engine, asset: str, benchmark: str, when=None, days: int = 90,
                  basis_bp: float = 0.0) -> float:
    """Hedged yield of ``asset`` in the benchmark's currency minus the benchmark yield (pp)."""
    return hedged_legs(engine, asset, benchmark, when, days, basis_bp).spread


def _id(series_id) -> str:
    if not isinstance(series_id, str):
        raise BadArgument('hedged spread needs series ids such as "JGB5Y", not a range')
    return series_id


def _currency(spec) -> str:
    if spec.currency not in HOME_CURRENCIES:
        raise BadArgument(f"{spec.id} is not a USD or JPY yield")
    return spec.currency


def hedged_series(engine, asset: str, home_ccy: str = "USD", start=None, end=None,
                  interval: int = 2, days: int = 90, basis_bp: float = 0.0) -> pd.Series:
    """The yield of ``asset`` hedged into ``home_ccy`` at each observation in ``[start, end]``.

    Each observation (daily, or the last of each week or month with ``interval`` 1 or 2) uses
    SOFR and TONA as of its own date; a date with no rate within their staleness window is left
    out rather than filled.
    """
    from addin.errors import NoData
    from addin.queries.series import series

    spec = engine.spec(_id(asset))
    home = args.choice(home_ccy, HOME_CURRENCIES, "home currency")
    yields = series(engine, spec.id, start, end, interval)
    hedged_pct = {}
    for when, asset_yield in yields.items():
        try:
            usd, jpy = hedge_rates(engine, dates.day_number(when))
        except NoData:
            continue
        hedged_pct[when] = hedged.hedged_yield(asset_yield, _currency(spec), home, usd, jpy, days,
                                               basis_bp)
    if not hedged_pct:
        raise NoData(f"No SOFR/TONA rates beside {spec.id} in that window")
    return pd.Series(hedged_pct, name=f"{spec.id} hedged into {home}").rename_axis("date")
