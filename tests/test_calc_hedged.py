"""FX-hedged yields by covered interest parity (methodology: "FX-hedged yields")."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from addin.calc import hedged as h
from addin.errors import BadArgument

# The worked example: S = 147.97, r$ = 4.30, r¥ = 0.48, d = 90, b = 0.
SPOT, SOFR, TONA = 147.97, 4.30, 0.48


def test_forward__worked_example():
    assert h.forward(SPOT, SOFR, TONA, 90, 0.0) == pytest.approx(146.569509390, abs=1e-9)


def test_usd_pickup__worked_example():
    assert h.usd_pickup(SOFR, TONA, 90, 0.0, SPOT) == pytest.approx(3.822051708, abs=1e-9)


def test_jpy_hedge_cost__worked_example():
    assert h.jpy_hedge_cost(SOFR, TONA, 90, 0.0, SPOT) == pytest.approx(3.838458790, abs=1e-9)


def test_hedged_yield__jgb5y_into_dollars_is_about_5():
    assert h.hedged_yield(1.13, "JPY", "USD", SOFR, TONA) == pytest.approx(4.952, abs=1e-3)


def test_hedged_yield__yen_investor_keeps_little_of_ust5y():
    assert h.hedged_yield(3.86, "USD", "JPY", SOFR, TONA) == pytest.approx(0.02, abs=5e-3)


def test_hedged_yield__same_currency_is_unhedged():
    assert h.hedged_yield(3.86, "USD", "USD", SOFR, TONA) == 3.86


def test_hedged_yield__currency_codes_are_case_insensitive():
    assert h.hedged_yield(1.13, " jpy", "usd", SOFR, TONA) == pytest.approx(4.952, abs=1e-3)


def test_hedged_yield__other_currency():
    with pytest.raises(BadArgument, match="currency must be USD or JPY"):
        h.hedged_yield(2.5, "EUR", "USD", SOFR, TONA)


def test_hedged_spread__jgb5y_against_ust5y():
    # 4.952 hedged into dollars against 3.86.
    assert h.hedged_spread(1.13, "JPY", 3.86, "USD", SOFR, TONA, 90, 0.0) == pytest.approx(
        1.092, abs=1e-3
    )


def test_hedged_spread__ust5y_against_jgb5y_for_yen_investor():
    # 0.0215 left after hedging, against 1.13.
    assert h.hedged_spread(3.86, "USD", 1.13, "JPY", SOFR, TONA, 90, 0.0) == pytest.approx(
        -1.1085, abs=1e-3
    )


def test_basis__negative_basis_dearer_dollars_cheaper_yen():
    assert h.jpy_hedge_cost(SOFR, TONA, 90, -50) > h.jpy_hedge_cost(SOFR, TONA, 90, 0)
    assert h.usd_pickup(SOFR, TONA, 90, -50) > h.usd_pickup(SOFR, TONA, 90, 0)


def test_basis__added_to_the_jpy_leg():
    assert h.forward(SPOT, SOFR, 0.0, 90, 48.0) == pytest.approx(h.forward(SPOT, SOFR, TONA))


@pytest.mark.parametrize("days", [0, -30, 3651, float("nan")])
def test_days__out_of_range(days):
    with pytest.raises(BadArgument, match="1..3650"):
        h.usd_pickup(SOFR, TONA, days)


def test_days__out_of_range_even_without_hedge():
    with pytest.raises(BadArgument):
        h.hedged_yield(1.0, "JPY", "JPY", SOFR, TONA, days=0)


def test_days__limits_accepted():
    assert h.usd_pickup(SOFR, TONA, 1) > 0
    assert h.usd_pickup(SOFR, TONA, 3650) > 0


def test_forward__non_positive_spot():
    with pytest.raises(BadArgument, match="spot"):
        h.forward(0.0, SOFR, TONA)


_rate = st.floats(min_value=-1.0, max_value=10.0)
_basis = st.floats(min_value=-100.0, max_value=100.0)


@given(_rate, _rate, _basis)
def test_usd_pickup__close_to_rate_differential(usd_rate, jpy_rate, basis_bp):
    """p$ ≈ r$ − r¥ − b, up to the ACT/360-vs-ACT/365 and compounding terms.

    Exactly, p$ − D = (j·5/365 − D·c) / (1 + c) with D = r$ − r¥ − b, j = r¥ + b (both in %) and
    c = j·90/36500, so |p$ − D| ≤ 0.0138·|j| + 0.0025·|j|·|D| here; it is a few hundredths of a
    point while r¥ + b is near zero and grows to about half a point when it is near 11%.
    """
    jpy_leg = jpy_rate + basis_bp / 100
    differential = usd_rate - jpy_leg
    bound = 0.0138 * abs(jpy_leg) + 0.0025 * abs(jpy_leg) * abs(differential) + 1e-12
    assert abs(h.usd_pickup(usd_rate, jpy_rate, 90, basis_bp) - differential) <= bound


@given(_rate, _rate, _basis, st.floats(min_value=50.0, max_value=300.0))
def test_usd_pickup__independent_of_spot(usd_rate, jpy_rate, basis_bp, spot):
    with_spot = h.usd_pickup(usd_rate, jpy_rate, 90, basis_bp, spot)
    assert with_spot == pytest.approx(h.usd_pickup(usd_rate, jpy_rate, 90, basis_bp), abs=1e-9)


@given(_rate, _rate, _basis, st.integers(1, 3650))
def test_pickup_and_cost__are_one_forward(usd_rate, jpy_rate, basis_bp, days):
    # S/F = 1 + p$·d/36000 and F/S = 1 − c¥·d/36500 must multiply to one.
    pickup = h.usd_pickup(usd_rate, jpy_rate, days, basis_bp)
    cost = h.jpy_hedge_cost(usd_rate, jpy_rate, days, basis_bp)
    assert (1 + pickup * days / 36000) * (1 - cost * days / 36500) == pytest.approx(1, abs=1e-12)
