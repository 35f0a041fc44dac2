"""Against the real publishers on the internet: `python -m pytest -m network`.

Deselected by default (CI and the test command have no network). Each test checks that the live
file still has the layout the parser expects and that the answer is plausible.
"""

from __future__ import annotations

import pytest

from addin import api

pytestmark = pytest.mark.network


@pytest.fixture(autouse=True)
def live_engine(tmp_path, monkeypatch):
    monkeypatch.setenv("JPFLOWS_CACHE_DIR", str(tmp_path / "cache"))
    for name in ("JPFLOWS_MIRROR", "JPFLOWS_OFFLINE"):
        monkeypatch.delenv(name, raising=False)
    api.use(None)
    yield
    api.use(None)


@pytest.mark.parametrize("series_id, low, high", [
    ("JGB10Y", -1.0, 10.0), ("UST5Y", 0.0, 15.0), ("SOFR", 0.0, 15.0), ("TONA", -1.0, 10.0),
    ("USDJPY", 50.0, 400.0), ("TOPIX", 500.0, 20_000.0), ("NIKKEI225", 5_000.0, 200_000.0),
])
def test_live__latest_value_is_plausible(series_id, low, high):
    assert low < api.value(series_id) < high


@pytest.mark.parametrize("flow_id", ["MOF:Foreign:Equity", "BOP:Foreign:Equity", "JPX:Foreigners"])
def test_live__latest_flow_period_is_recent(flow_id):
    end, amount = api.flow(flow_id)
    assert end.year >= 2025
    assert abs(amount) < 100_000  # JPY bn
