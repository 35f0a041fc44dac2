"""Second origins of the rates and FX: SOFR (FRED, then the New York Fed), USDJPY (BOJ FXERD04,
then FRED DEXJPUS), TONA (BOJ API, then BOJ's legacy flat file)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from addin import api
from addin.errors import LayoutChanged, NoData
from addin.sources import boj, nyfed
from tests.fixtures import boj as boj_files
from tests.fixtures import fred as fred_files
from tests.fixtures import nyfed as fx
from tests.fixtures.fakes import FakeGet

FRED = "https://fred.stlouisfed.org/graph/fredgraph.csv?id={}"
NYFED_2025 = ("https://markets.newyorkfed.org/api/rates/secured/sofr/search.json"
              "?startDate=2025-01-01&endDate=2025-12-31")
FXERD04 = boj.api_url("FM08", "FXERD04")
TONA = boj.api_url("FM01", "STRDCLUCON")


def test_nyfed_parse__rates_ascending_in_percent():
    frame = nyfed.parse(fx.search_json())
    assert list(frame.index.strftime("%Y-%m-%d")) == ["2025-09-26", "2025-09-29", "2025-09-30"]
    assert frame.loc["2025-09-30", "SOFR"] == 4.24 and frame["SOFR"].dtype == "float64"


@pytest.mark.parametrize("body, error", [
    (b"<html>Service Unavailable</html>", LayoutChanged), (b'{"rates": []}', LayoutChanged),
    (fx.search_json(kind="EFFR"), LayoutChanged), (fx.search_json([]), NoData),
    (fx.search_json([("09/30/2025", 4.24)]), LayoutChanged),
])
def test_nyfed_parse__anything_else_is_refused(body, error):
    with pytest.raises(error):
        nyfed.parse(body)


def test_nyfed_download__one_fixed_url_per_year():
    get = FakeGet(fx.search_json())
    nyfed.download("2025", get)
    [call] = get.calls
    assert call.url == NYFED_2025 and call.expire == timedelta(hours=3)
    assert call.check(fx.search_json()).loc["2025-09-29", "SOFR"] == 4.20


@pytest.fixture
def fresh_api(engine_env):
    api.use(None)
    yield engine_env
    api.use(None)


def test_sofr__from_the_new_york_fed_when_fred_is_down(fresh_api):
    fresh_api.serve(NYFED_2025, fx.search_json())  # FRED is not served: HTTP 404
    assert api.value("SOFR", "2025-09-30") == 4.24
    assert fresh_api.count(FRED.format("SOFR")) == 1


def test_sofr__fred_first_when_it_answers(fresh_api):
    fresh_api.serve(FRED.format("SOFR"), fred_files.current_layout("SOFR", [("2025-09-30", "4.25")]))
    fresh_api.serve(NYFED_2025, fx.search_json())
    assert api.value("SOFR", "2025-09-30") == 4.25
    assert fresh_api.count(NYFED_2025) == 0


def test_usdjpy__boj_tokyo_rate_first(fresh_api):
    fresh_api.serve(FXERD04, boj_files.api_csv([("20250930", "148.39"), ("20250929", "148.95")],
                                               db="FM08", code="FXERD04",
                                               name=boj_files.USDJPY_NAME, unit="yen"))
    fresh_api.serve(FRED.format("DEXJPUS"), fred_files.current_layout("DEXJPUS", [
        ("2025-09-30", "147.97")]))
    assert api.value("USDJPY", "2025-09-30") == 148.39
    info = api.info("USDJPY")
    assert info["origin"] == "BOJ FM08:FXERD04" and info["attribution"] == "Source: Bank of Japan"
    assert fresh_api.count(FRED.format("DEXJPUS")) == 0


def test_usdjpy__fred_noon_rate_when_the_boj_is_down(fresh_api):
    fresh_api.serve(FRED.format("DEXJPUS"), fred_files.current_layout("DEXJPUS", [
        ("2025-09-30", "147.97")]))
    assert api.value("USDJPY", "2025-09-30") == 147.97
    assert fresh_api.count(FXERD04) == 1


def test_tona__legacy_file_is_named_with_its_warning(fresh_api):
    fresh_api.serve(boj.LEGACY_URL, boj_files.legacy_csv([("2025/01/24", "0.227"),
                                                          ("2025/01/27", "0.476")]))
    assert api.value("TONA", "2025-01-27") == 0.476
    info = api.info("TONA")
    assert info["url"] == boj.LEGACY_URL
    assert "the BOJ says may move without notice" in info["note"]
    assert fresh_api.count(TONA) == 1


def test_usdjpy__a_first_origin_that_is_down_is_not_asked_by_every_lookup(fresh_api):
    fresh_api.serve(FRED.format("DEXJPUS"), fred_files.current_layout("DEXJPUS", [
        ("2025-09-30", "147.97")]))
    for _ in range(20):
        assert api.value("USDJPY", "2025-09-30") == 147.97
    assert fresh_api.count(FXERD04) == 1 and fresh_api.count(FRED.format("DEXJPUS")) == 1


def test_engine__a_remembered_failure_does_not_grow_with_each_cell(fresh_api):
    import traceback

    from addin.errors import SourceUnavailable

    depths = []
    for _ in range(30):
        with pytest.raises(SourceUnavailable) as failed:
            api.value("SOFR", "2025-09-30")
        depths.append(len(traceback.extract_tb(failed.value.__traceback__)))
    assert max(depths) == depths[-1] == depths[1]  # the same depth on every call
