"""Each source's download asks for the real publisher URLs through the injected getter."""

from __future__ import annotations

import datetime

import pytest

from addin.errors import BadArgument, LayoutChanged, SourceUnavailable
from addin.sources import fred, mof_jgb, treasury
from tests.fixtures import fred as fred_fx
from tests.fixtures import mof_jgb as mof_fx
from tests.fixtures import treasury as treasury_fx
from tests.fixtures.fakes import FakeGet

MOF_HISTORY = (
    "https://www.mof.go.jp/english/policy/jgbs/reference/interest_rate/historical/jgbcme_all.csv"
)
MOF_CURRENT = "https://www.mof.go.jp/english/policy/jgbs/reference/interest_rate/jgbcme.csv"
TREASURY_2025 = (
    "https://home.treasury.gov/resource-center/data-chart-center/interest-rates/"
    "daily-treasury-rates.csv/all/2025?type=daily_treasury_yield_curve"
    "&field_tdr_date_value=2025&page&_format=csv"
)
FRED_DGS5 = "https://fred.stlouisfed.org/graph/fredgraph.csv?id=DGS5"


def test_mof_jgb_download__asks_history_and_current_month():
    get = FakeGet({MOF_HISTORY: mof_fx.english_history(), MOF_CURRENT: mof_fx.english_current()},
                  run_check=False)
    raw = mof_jgb.download("", get)
    assert get.urls == [MOF_HISTORY, MOF_CURRENT]
    assert raw == (mof_fx.english_history(), mof_fx.english_current())
    assert [call.expire for call in get.calls] == [
        datetime.timedelta(days=1), datetime.timedelta(hours=1)]
    for call in get.calls:
        assert callable(call.check)
        assert call.check(get.answers[call.url]).index.name == "date"


def test_mof_jgb_download__current_month_unavailable_keeps_history():
    get = FakeGet({MOF_HISTORY: mof_fx.english_history(),
                   MOF_CURRENT: SourceUnavailable("MOF unreachable")}, run_check=False)
    raw = mof_jgb.download("", get)
    assert raw == (mof_fx.english_history(), b"")
    assert mof_jgb.parse(raw).index[-1].strftime("%Y-%m-%d") == "2025-04-07"


def test_mof_jgb_download__history_unavailable_raises():
    get = FakeGet({MOF_HISTORY: SourceUnavailable("MOF unreachable"),
                   MOF_CURRENT: mof_fx.english_current()}, run_check=False)
    with pytest.raises(SourceUnavailable):
        mof_jgb.download("", get)


def test_treasury_download__asks_the_year():
    get = FakeGet({TREASURY_2025: treasury_fx.year_2025()}, run_check=False)
    assert treasury.download("2025", get) == treasury_fx.year_2025()
    assert get.urls == [TREASURY_2025]
    call = get.calls[0]
    assert callable(call.check)
    assert call.check(treasury_fx.year_2025()).loc["2025-09-30", "5Y"] == 3.74
    assert call.expire == datetime.timedelta(hours=1)


def test_treasury_download__bad_year_raises():
    get = FakeGet({}, run_check=False)
    with pytest.raises(BadArgument, match="2025a"):
        treasury.download("2025a", get)
    assert get.calls == []


def test_fred_download__asks_the_series():
    get = FakeGet({FRED_DGS5: fred_fx.current_layout()}, run_check=False)
    assert fred.download("DGS5", get) == fred_fx.current_layout()
    assert get.urls == [FRED_DGS5]
    call = get.calls[0]
    assert callable(call.check)
    assert list(call.check(fred_fx.current_layout()).columns) == ["DGS5"]
    assert call.expire == datetime.timedelta(hours=1)


def test_fred_download__check_rejects_another_series():
    get = FakeGet({FRED_DGS5: fred_fx.current_layout()}, run_check=False)
    fred.download("DGS5", get)
    with pytest.raises(LayoutChanged, match="DGS10"):
        get.calls[0].check(fred_fx.current_layout("DGS10"))


def test_fred_download__bad_id_raises():
    get = FakeGet({}, run_check=False)
    with pytest.raises(BadArgument):
        fred.download("DGS5&x=1", get)
    assert get.calls == []
