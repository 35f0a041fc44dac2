"""The engine end to end: real download code, a local publisher server, JPFLOWS_MIRROR."""

from __future__ import annotations

import pytest

from addin import api
from addin.errors import NoData, SourceUnavailable
from tests.fixtures import fred as fred_files

FRED = "https://fred.stlouisfed.org/graph/fredgraph.csv?id={}"


@pytest.fixture
def fresh_api(engine_env):
    api.use(None)
    yield engine_env
    api.use(None)


def test_value__usdjpy_and_sofr_from_real_fred_files_through_mirror(fresh_api, realdata):
    for series_id in ("DEXJPUS", "SOFR"):
        fresh_api.serve(FRED.format(series_id), (realdata / "fred" / f"{series_id}.csv").read_bytes())
    assert api.value("USDJPY", "2025-09-30") == 147.97
    assert api.value("SOFR", "2025-09-30") == 4.24
    assert fresh_api.count(FRED.format("DEXJPUS")) == 1


def test_value__holiday_gives_previous_observation(fresh_api, realdata):
    fresh_api.serve(FRED.format("DGS5"), (realdata / "fred" / "DGS5.csv").read_bytes())
    spec_like_treasury_down = api.column("FRED:DGS5")
    assert len(spec_like_treasury_down.dates) > 10_000
    assert api.value("FRED:DGS5", "2025-08-18") == 3.86
    assert api.observation("FRED:DGS5", "2025-09-01")[0].strftime("%Y-%m-%d") == "2025-08-29"


def test_value__second_lookup_does_not_download_again(fresh_api):
    fresh_api.serve(FRED.format("SOFR"), fred_files.current_layout("SOFR", [
        ("2025-09-29", "4.20"), ("2025-09-30", "4.24")]))
    assert api.value("SOFR", "2025-09-30") == 4.24
    api.use(None)  # a new process: the disk cache answers
    assert api.value("SOFR", "2025-09-29") == 4.20
    assert fresh_api.count(FRED.format("SOFR")) == 1


def test_value__older_than_staleness_window_is_no_data(fresh_api):
    fresh_api.serve(FRED.format("SOFR"), fred_files.current_layout("SOFR", [("2025-09-01", "4.30")]))
    with pytest.raises(NoData, match="within 7 days"):
        api.value("SOFR", "2025-09-30")
    with pytest.raises(NoData, match="before 2025-09-01"):
        api.value("SOFR", "2025-08-01")


def test_value__unreachable_source_with_empty_cache_says_so(fresh_api):
    with pytest.raises(SourceUnavailable, match="FRED"):
        api.value("SOFR", "2025-09-30")


def test_value__a_failed_source_is_not_asked_again_by_every_cell(fresh_api):
    for _ in range(5):
        with pytest.raises(SourceUnavailable):
            api.value("SOFR", "2025-09-30")
    assert fresh_api.count(FRED.format("SOFR")) == 1


def test_refresh__asks_a_failed_source_again(fresh_api):
    with pytest.raises(SourceUnavailable):
        api.value("SOFR", "2025-09-30")
    fresh_api.serve(FRED.format("SOFR"), fred_files.current_layout("SOFR", [("2025-09-30", "4.24")]))
    outcome = api.refresh()
    # SOFR's second origin (the New York Fed, still down here) was asked too.
    assert outcome["FRED SOFR"] == "OK" and set(outcome) == {"FRED SOFR", "New York Fed 2025"}
    assert api.value("SOFR", "2025-09-30") == 4.24


def test_column__long_ust_history_comes_from_one_fred_file(fresh_api):
    fresh_api.serve(FRED.format("DGS10"), fred_files.current_layout("DGS10", [
        ("1995-01-03", "7.88"), ("2025-09-30", "4.16")]))
    assert api.is_record("UST10Y", "1995-01-03") is True
    assert fresh_api.total() == 1


def test_status__a_new_process_reports_what_the_cache_holds(fresh_api, realdata):
    fresh_api.serve(FRED.format("SOFR"), fred_files.current_layout("SOFR", [("2025-09-30", "4.24")]))
    assert api.value("SOFR") == 4.24
    api.use(None)  # a new Excel session or `jpflows status`: nothing loaded in memory yet
    rows = {row["source"]: row for row in api.status()}
    assert rows["FRED"]["state"] == "OK" and rows["FRED"]["last_fetch"].endswith("UTC")
    assert rows["MOF JGB"]["state"] == "not loaded"
    assert fresh_api.count(FRED.format("SOFR")) == 1


@pytest.mark.parametrize("text", ["2025-09-30x", "2025-13-01", "30/09/2025", "2025"])
def test_to_timestamp__rejects_what_it_cannot_read_exactly(text):
    from addin.errors import BadArgument

    with pytest.raises(BadArgument, match="not understood"):
        api.to_timestamp(text)


def test_to_timestamp__iso_with_time_of_day_is_that_day():
    assert api.to_timestamp("2025-09-30T17:00:00") == api.to_timestamp("2025-09-30")


def test_value__new_year_holiday_sees_last_years_treasury_file(fresh_api):
    from tests.fixtures import treasury as treasury_files

    url = ("https://home.treasury.gov/resource-center/data-chart-center/interest-rates/"
           "daily-treasury-rates.csv/all/{0}?type=daily_treasury_yield_curve"
           "&field_tdr_date_value={0}&page&_format=csv")
    new_year_eve = "12/31/2025,3.70,3.70,3.71,3.61,3.63,3.59,3.50,3.47,3.52,3.69,3.90,4.15,4.76,4.81"
    rows = [new_year_eve, *treasury_files.ROWS_2025]
    fresh_api.serve(url.format(2025), treasury_files.csv_file(treasury_files.HEADER_2025, rows))
    fresh_api.serve(url.format(2026), treasury_files.csv_file(treasury_files.HEADER_2025, []))
    assert api.observation("UST5Y", "2026-01-01") == (api.to_timestamp("2025-12-31"), 3.69)


def test_value__a_refusal_explained_in_the_body_reaches_the_cell(fresh_api):
    from addin.errors import UnknownSeries
    from tests.fixtures import boj as boj_files

    url = ("https://www.stat-search.boj.or.jp/api/v1/getDataCode?format=csv&lang=en"
           "&db=FM08&code=NOSUCH&startDate=199801")
    fresh_api.serve(url, boj_files.unknown_code_json(), status=400)
    with pytest.raises(UnknownSeries, match="M181013E|not found|NOSUCH"):
        api.value("BOJ:FM08:NOSUCH")
