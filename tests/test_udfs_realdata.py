"""The Excel functions on the real publisher files, served locally through JPFLOWS_MIRROR."""

from __future__ import annotations

from datetime import datetime

import pandas as pd
import pytest

import udfs
from addin import api
from tests.fixtures import mof_jgb as jgb_files

FRED = "https://fred.stlouisfed.org/graph/fredgraph.csv?id={}"
JGB_HISTORY = "https://www.mof.go.jp/english/policy/jgbs/reference/interest_rate/historical/jgbcme_all.csv"
JGB_CURRENT = "https://www.mof.go.jp/english/policy/jgbs/reference/interest_rate/jgbcme.csv"
TREASURY_2025 = ("https://home.treasury.gov/resource-center/data-chart-center/interest-rates/"
                 "daily-treasury-rates.csv/all/2025?type=daily_treasury_yield_curve"
                 "&field_tdr_date_value=2025&page&_format=csv")


@pytest.fixture
def served(engine_env, realdata, monkeypatch):
    """The real files at their publishers' URLs; TOPIX and TONA from users' CSV files."""
    for series_id in ("SOFR", "DEXJPUS", "DGS5"):
        engine_env.serve(FRED.format(series_id), (realdata / "fred" / f"{series_id}.csv").read_bytes())
    engine_env.serve(JGB_HISTORY, (realdata / "mof_jgb" / "jgbcme_all.csv").read_bytes())
    # The real current-month file is not in realdata; July 2026 in its layout continues the history.
    engine_env.serve(JGB_CURRENT, jgb_files.english_file([
        "2026/7/1,1.17,1.39,1.54,1.76,1.94,2.08,2.23,2.40,2.55,2.69,3.27,3.62,3.88,3.87,3.79"]))
    engine_env.serve(TREASURY_2025, (realdata / "treasury" / "daily-treasury-rates_2025.csv").read_bytes())
    bop = realdata / "mof_bop_portfolio_monthly" / "6pi-1.csv"
    from addin.sources import mof_bop

    engine_env.serve(mof_bop.URLS["6pi-1"], bop.read_bytes())
    monkeypatch.setenv("JPFLOWS_CSV_TOPIX", str(realdata / "equity_index/derived/topix_jpx_official_closes.csv"))
    monkeypatch.setenv("JPFLOWS_CSV_TONA", str(realdata / "boj/derived/boj_call_rate_FM01_STRDCLUCON_daily.csv"))
    api.use(None)
    yield engine_env
    api.use(None)


def test_jp_rally__topix_from_april_low(served):
    assert udfs.JP_RALLY("TOPIX", "2025-04-01", "2025-04-30", "2025-08-26") == pytest.approx(0.3423, abs=1e-4)


def test_jp_low__topix_april_2025(served):
    assert udfs.JP_LOW("TOPIX", "2025-04-01", "2025-04-30") == [[datetime(2025, 4, 7), 2288.66]]


def test_jp_flow_sum__bop_foreign_equity_2025(served):
    total = udfs.JP_FLOW_SUM("BOP:Foreign:Equity", "2025-01-01", "2025-12-31")
    assert total == pytest.approx(8443.4, abs=0.05)


def test_jp_is_record__jgb30y_on_2025_09_03(served):
    assert udfs.JP_IS_RECORD("JGB30Y", "2025-09-03", "1999-09-02") is True
    assert udfs.JP_VALUE("JGB30Y", "2025-09-03") == 3.17


def test_jp_hedged_spread__jgb5y_vs_ust5y_from_sofr_and_tona(served):
    sofr, tona = udfs.JP_VALUE("SOFR", "2025-09-30"), udfs.JP_VALUE("TONA", "2025-09-30")
    assert (sofr, tona) == (4.24, 0.477)
    jgb5, ust5 = udfs.JP_VALUE("JGB5Y", "2025-09-30"), udfs.JP_VALUE("UST5Y", "2025-09-30")
    assert (jgb5, ust5) == (1.244, 3.74)
    # Methodology: spot over forward for a 90-day hedge, USD ACT/360, JPY ACT/365.
    spot_over_forward = (1 + sofr / 100 * 90 / 360) / (1 + tona / 100 * 90 / 365)
    expected = jgb5 + (spot_over_forward - 1) * 360 / 90 * 100 - ust5
    assert udfs.JP_HEDGED_SPREAD("JGB5Y", "UST5Y", "2025-09-30") == pytest.approx(expected, abs=1e-12)


def test_jp_value__ust5y_falls_back_to_fred_when_treasury_is_down(engine_env, realdata):
    engine_env.serve(FRED.format("DGS5"), (realdata / "fred" / "DGS5.csv").read_bytes())
    api.use(None)
    try:
        assert udfs.JP_VALUE("UST5Y", "2025-08-18") == 3.86
        assert udfs.JP_INFO("UST5Y", "source") == "FRED"
    finally:
        api.use(None)


def test_jp_high__usdjpy_two_year_range(served):
    assert udfs.JP_LOW("USDJPY", "2024-01-01", "2025-10-31") == [[datetime(2024, 9, 13), 140.66]]
    assert udfs.JP_HIGH("USDJPY", "2024-01-01", "2025-10-31") == [[datetime(2024, 7, 10), 161.73]]


def test_jp_series__monthly_table_with_header(served):
    table = udfs.JP_SERIES("JGB5Y", "2025-09-01", "2025-09-30", 2)
    assert table[0] == ["Date", "JGB5Y"]
    assert table[1:] == [[datetime(2025, 9, 30), 1.244]]


def test_jp_change__tona_hike_in_points(served):
    assert udfs.JP_CHANGE("TONA", "2025-01-24", "2025-01-27") == pytest.approx(0.249, abs=1e-9)


def _engine_on(day: datetime) -> None:
    """The process's engine with a clock fixed on ``day`` (what "today" and "latest" mean)."""
    from addin.clock import FixedClock
    from addin.config import Config
    from addin.engine import Engine

    api.use(Engine(Config.from_env(), clock=FixedClock(day)))


def test_jp_info__provenance_fields(served):
    _engine_on(datetime(2026, 7, 2, 12))  # the day after the last file's last observation
    udfs.JP_VALUE("JGB10Y", "2025-09-30")
    info = dict(udfs.JP_INFO("JGB10Y"))
    assert info["source"] == "MOF JGB" and info["unit"] == "%"
    assert info["first"] == "1986-07-05" and info["last"] == "2026-07-01"
    assert info["stale"] is False and info["last_fetch"].endswith("UTC")


def test_jp_flow_sum__usd_converts_each_month_at_its_mean_usdjpy(served, realdata):
    import pandas as pd

    fx = pd.read_csv(realdata / "fred" / "DEXJPUS.csv", index_col=0, parse_dates=True)["DEXJPUS"]
    monthly_net = [707.8, -2558.3, -3230.7, 3778.4, 2551.1, 1096.9, 2341.0, 427.0, -3497.8,
                   6238.2, 1006.5, -416.7]
    means = fx.loc["2025-01-01":"2025-12-31"].dropna().groupby(lambda d: d.month).mean()
    expected = sum(net / means[month] for month, net in enumerate(monthly_net, start=1))
    total = udfs.JP_FLOW_SUM("BOP:Foreign:Equity", "2025-01-01", "2025-12-31", None, "USD")
    assert total == pytest.approx(expected, abs=1e-9)
    sept = udfs.JP_FLOW("BOP:Foreign:Equity", "2025-09-15", "net", None, "USD")
    assert sept == pytest.approx(-3497.8 / means[9], abs=1e-9)


def test_jp_flow_rank__monthly_default_window_is_a_year(served):
    monthly = api.flows("BOP:Foreign:Equity")
    sums = [monthly.iloc[i - 11:i + 1].sum() for i in range(11, len(monthly))]
    ends = list(monthly.index[11:])
    decade = [total for end, total in zip(ends, sums) if "2016-01-01" <= f"{end:%Y-%m-%d}" <= "2025-12-31"]
    latest = sums[ends.index(pd.Timestamp("2025-12-31"))]
    assert len(decade) == 120
    assert udfs.JP_FLOW_RANK("BOP:Foreign:Equity", "2025-12-31") == 1 + sum(t > latest for t in decade)


def test_jp_search__lists_investor_types_found_in_loaded_files(served, realdata):
    from addin.sources import mof_bop

    served.serve(mof_bop.URLS["6pi-2"], (realdata / "mof_bop_portfolio_monthly" / "6pi-2.csv").read_bytes())
    assert udfs.JP_SEARCH("LifeInsurance").startswith("#N/A nothing matches")  # not loaded yet
    api.flows("BOP:Resident:LifeInsuranceCompanies:Total")
    table = udfs.JP_SEARCH("LifeInsurance")
    assert [row[0] for row in table[1:]] == ["BOP:Resident:LifeInsuranceCompanies:Total",
                                             "BOP:Resident:NonLifeInsuranceCompanies:Total"]


def test_jp_info__ust_names_the_freshest_origin_it_answers_from(served):
    assert udfs.JP_VALUE("UST5Y", "2025-09-30") == 3.74  # a dated lookup: the Treasury curve
    info = dict(udfs.JP_INFO("UST5Y"))
    # "Latest": FRED's DGS5 (to 2026-06-24) is newer than the Treasury's 2025 file (to 12-19).
    assert info["source"] == "FRED" and info["origin"] == "FRED DGS5"
    assert info["url"] == FRED.format("DGS5") and info["last"] == "2026-06-24"
    assert udfs.JP_VALUE("UST5Y") == 4.17
    assert info["first"] == "1962-01-02"  # the long history comes from FRED's DGS5


def test_jp_hedged_series__each_month_hedged_with_its_own_rates(served):
    table = udfs.JP_HEDGED_SERIES("JGB5Y", "USD", "2025-08-01", "2025-09-30", 2)
    assert table[0] == ["Date", "JGB5Y hedged into USD"]
    assert [row[0] for row in table[1:]] == [datetime(2025, 8, 29), datetime(2025, 9, 30)]
    # 2025-09-30: JGB5Y 1.244, SOFR 4.24, TONA 0.477, the methodology's exact form.
    pickup = ((1 + 0.0424 * 90 / 360) / (1 + 0.00477 * 90 / 365) - 1) * 360 / 90 * 100
    assert table[2][1] == pytest.approx(1.244 + pickup, abs=1e-12)
    assert table[2][1] == pytest.approx(udfs.JP_HEDGED_YIELD(1.244, 0.477, 4.24), abs=1e-12)
    assert table[1][1] != table[2][1]


def test_jp_info__ust_latest_from_the_treasury_when_its_file_is_newer(served):
    rows = ["06/26/2026,4.20,4.20,4.21,4.19,4.18,4.15,4.02,3.95,3.97,4.19,4.37,4.55,5.02,5.01"]
    from tests.fixtures import treasury as treasury_files

    served.serve(TREASURY_2025.replace("2025", "2026"),
                 treasury_files.csv_file(treasury_files.HEADER_2025, rows))
    _engine_on(datetime(2026, 6, 29, 12))
    assert udfs.JP_VALUE("UST5Y") == 4.19
    info = dict(udfs.JP_INFO("UST5Y"))
    assert info["origin"] == "US Treasury 2026" and info["last"] == "2026-06-26"
    assert info["stale"] is False and info["age_days"] == 3


def test_jp_info__latest_months_old_is_flagged_stale(served):
    _engine_on(datetime(2026, 12, 1, 12))
    assert udfs.JP_VALUE("UST5Y") == 4.17  # the freshest answer there is, never hidden
    info = dict(udfs.JP_INFO("UST5Y"))
    assert info["last"] == "2026-06-24" and info["age_days"] == 160
    assert info["stale"] is True
    assert "latest observation is 160 days old (expected within 7)" in info["note"]


def test_jp_value__ust10y_before_1990_comes_from_fred(served, realdata):
    served.serve(FRED.format("DGS10"), (realdata / "fred" / "DGS10.csv").read_bytes())
    assert udfs.JP_VALUE("UST10Y", "1985-06-28") == 10.25
    assert served.count(TREASURY_2025) == 0  # no Treasury year file covers 1985
