"""FX-hedged yields between USD and JPY by covered interest parity.

Money-market conventions: the USD rate accrues ACT/360, the JPY rate ACT/365. Rates and yields
are in percent as published (4.30 means 4.30%); the cross-currency basis is in basis points and
is added to the JPY leg (USDJPY basis is usually negative). The hedge is a forward of ``days``
days, rolled, and its cost or pickup is annualised on the convention of the currency earning it.
The spot drops out of the annualised pickup and cost, so it only matters for :func:`forward`.
"""

from __future__ import annotations

from addin.errors import BadArgument

_CURRENCIES = ("USD", "JPY")
_MAX_DAYS = 3650


def _check_days(days: float) -> None:
    if not 1 <= days <= _MAX_DAYS:
        raise BadArgument(f"days {days} must be 1..{_MAX_DAYS}")


def _currency(code: str) -> str:
    normalised = str(code).strip().upper()
    if normalised not in _CURRENCIES:
        raise BadArgument(f'currency must be USD or JPY, not "{code}"')
    return normalised


def _forward_over_spot(usd_rate: float, jpy_rate: float, days: float, basis_bp: float) -> float:
    """F/S: how many yen a dollar sold forward buys, per yen it buys today."""
    _check_days(days)
    jpy_growth = 1 + (jpy_rate / 100 + basis_bp / 10_000) * days / 365
    usd_growth = 1 + usd_rate / 100 * days / 360
    if not (jpy_growth > 0 and usd_growth > 0):
        raise BadArgument(f"rates {usd_rate:g}% / {jpy_rate:g}% leave no positive forward")
    return jpy_growth / usd_growth


def forward(
    spot: float, usd_rate: float, jpy_rate: float, days: float = 90, basis_bp: float = 0.0
) -> float:
    """Outright USDJPY forward: F = S·(1 + (r¥ + b)·d/365) / (1 + r$·d/360).

    Example: forward(147.97, 4.30, 0.48) = 146.5695 yen per dollar in 90 days.
    """
    if not spot > 0:
        raise BadArgument(f"spot {spot:g} must be positive")
    return spot * _forward_over_spot(usd_rate, jpy_rate, days, basis_bp)


def usd_pickup(
    usd_rate: float, jpy_rate: float, days: float = 90, basis_bp: float = 0.0, spot: float = 1.0
) -> float:
    """Annual pickup, in %, of a USD investor hedging a yen asset: (S/F − 1)·360/d.

    Example: usd_pickup(4.30, 0.48) = 3.822 (about r$ − r¥).
    """
    ratio = forward(spot, usd_rate, jpy_rate, days, basis_bp) / spot
    return (1 / ratio - 1) * 360 / days * 100


def jpy_hedge_cost(
    usd_rate: float, jpy_rate: float, days: float = 90, basis_bp: float = 0.0, spot: float = 1.0
) -> float:
    """Annual cost, in %, of a JPY investor hedging a dollar asset: (1 − F/S)·365/d.

    Example: jpy_hedge_cost(4.30, 0.48) = 3.838; negative means the hedge earns.
    """
    ratio = forward(spot, usd_rate, jpy_rate, days, basis_bp) / spot
    return (1 - ratio) * 365 / days * 100


def hedged_yield(yield_pct: float, asset_ccy: str, home_ccy: str, usd_rate: float,
                 jpy_rate: float, days: float = 90, basis_bp: float = 0.0) -> float:
    """A bond's yield, in %, for an investor in ``home_ccy`` who hedges the currency.

    A yen bond for a dollar investor earns its yield plus :func:`usd_pickup`; a dollar bond
    for a yen investor earns its yield minus :func:`jpy_hedge_cost`; same currency, no hedge.

    Example: hedged_yield(1.13, "JPY", "USD", 4.30, 0.48) = 4.952.
    """
    asset, home = _currency(asset_ccy), _currency(home_ccy)
    _check_days(days)
    if asset == home:
        return yield_pct
    if asset == "JPY":
        return yield_pct + usd_pickup(usd_rate, jpy_rate, days, basis_bp)
    return yield_pct - jpy_hedge_cost(usd_rate, jpy_rate, days, basis_bp)


def hedged_spread(asset_yield: float, asset_ccy: str, bench_yield: float, bench_ccy: str,
                  usd_rate: float, jpy_rate: float, days: float = 90,
                  basis_bp: float = 0.0) -> float:
    """Hedged yield of the asset in the benchmark's currency minus the benchmark's yield (pp).

    Example: JGB5Y 1.13 against UST5Y 3.86 with SOFR 4.30 and TONA 0.48 gives +1.09.
    """
    hedged = hedged_yield(asset_yield, asset_ccy, bench_ccy, usd_rate, jpy_rate, days, basis_bp)
    return hedged - bench_yield
