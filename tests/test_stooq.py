from __future__ import annotations

import math
from datetime import timedelta

import pandas as pd
import pytest

from addin.errors import LayoutChanged, NoData, SourceUnavailable, UnknownSeries
from addin.sources import stooq
from tests.fixtures import stooq as fx
from tests.fixtures.fakes import FakeGet


def test_parse__columns_and_dtypes():
    frame = stooq.parse(fx.topix_csv())
    assert list(frame.columns) == ["Open", "High", "Low", "Close", "Volume"]
    assert all(dtype == "float64" for dtype in frame.dtypes)
    assert frame.index.name == "date"
    assert isinstance(frame.index, pd.DatetimeIndex)


def test_parse__values_around_the_april_2025_low():
    frame = stooq.parse(fx.topix_csv())
    assert frame.loc["2025-04-04", "Close"] == 2482.06
    assert frame.loc["2025-04-07", "Close"] == 2288.66
    assert frame.loc["2025-04-07", "Low"] == 2227.32
    assert frame.loc["2025-04-08", "Open"] == 2393.02
    assert frame.loc["2025-04-07", "Volume"] == 3858720000.0


def test_parse__without_volume():
    frame = stooq.parse(fx.topix_csv(volume=False))
    assert list(frame.columns) == ["Open", "High", "Low", "Close"]
    assert frame.loc["2025-04-07", "Close"] == 2288.66


def test_parse__lf_same_as_crlf():
    pd.testing.assert_frame_equal(stooq.parse(fx.topix_csv(newline="\n")),
                                  stooq.parse(fx.topix_csv()))


def test_parse__rows_sorted_and_duplicate_keeps_last():
    rows = [fx.TOPIX_APRIL_2025[2], fx.TOPIX_APRIL_2025[0],
            ("2025-04-07", "1", "1", "1", "2290.00", "")]
    frame = stooq.parse(fx.daily_csv(rows))
    assert list(frame.index.strftime("%Y-%m-%d")) == ["2025-04-03", "2025-04-07"]
    assert frame.loc["2025-04-07", "Close"] == 2290.0
    assert math.isnan(frame.loc["2025-04-07", "Volume"])


def test_parse__html_is_layout_changed():
    with pytest.raises(LayoutChanged, match="HTML page"):
        stooq.parse(fx.bot_check_page())


def test_parse__hit_limit_is_source_unavailable():
    with pytest.raises(SourceUnavailable, match="daily hit limit"):
        stooq.parse(fx.hit_limit())


def test_parse__no_data_is_no_data():
    with pytest.raises(NoData, match="No data"):
        stooq.parse(fx.no_data())


def test_parse__other_text_is_layout_changed():
    with pytest.raises(LayoutChanged, match="Date,Open"):
        stooq.parse(b"Symbol,Date,Time,Open,High,Low,Close\r\n^TPX,2025-04-07,...\r\n")


def test_parse__header_only_is_layout_changed():
    with pytest.raises(LayoutChanged, match="no rows"):
        stooq.parse(b"Date,Open,High,Low,Close,Volume\r\n")


def test_parse__missing_close_is_layout_changed():
    with pytest.raises(LayoutChanged, match="Close"):
        stooq.parse(b"Date,Open,High,Low\r\n2025-04-07,1,2,0.5\r\n")


def test_parse__bad_date_is_layout_changed():
    with pytest.raises(LayoutChanged, match="'07/04/2025'"):
        stooq.parse(fx.daily_csv([("07/04/2025", "1", "2", "0.5", "1.5", "0")]))


def test_parse__bad_number_is_layout_changed():
    with pytest.raises(LayoutChanged, match="'n/a'"):
        stooq.parse(fx.daily_csv([("2025-04-07", "1", "2", "0.5", "n/a", "0")]))


def test_url_for__keeps_the_caret():
    assert stooq.url_for("^tpx") == stooq.TOPIX_URL == "https://stooq.com/q/d/l/?s=^tpx&i=d"
    assert stooq.url_for("^nkx") == stooq.NIKKEI225_URL == "https://stooq.com/q/d/l/?s=^nkx&i=d"


def test_download__url_check_and_expiry():
    get = FakeGet(fx.topix_csv())
    assert stooq.download("^tpx", get) == fx.topix_csv()
    [call] = get.calls
    assert call.url == "https://stooq.com/q/d/l/?s=^tpx&i=d"
    assert call.expire == timedelta(hours=3)
    assert call.check(fx.topix_csv()).loc["2025-04-07", "Close"] == 2288.66


def test_download__check_names_the_symbol_for_html():
    message = r"Stooq \^tpx: got an HTML page \(bot check\?\), not CSV"
    with pytest.raises(LayoutChanged, match=message):
        stooq.download("^tpx", FakeGet(fx.bot_check_page()))


def test_download__proof_of_work_page_says_what_to_set():
    with pytest.raises(SourceUnavailable) as topix:
        stooq.download("^tpx", FakeGet(fx.proof_of_work_page()))
    assert str(topix.value) == (
        "Stooq: proof-of-work page; set JPFLOWS_STOOQ_KEY or JPFLOWS_CSV_TOPIX")
    with pytest.raises(SourceUnavailable) as nikkei:
        stooq.download("^nkx", FakeGet(fx.proof_of_work_page()))
    assert str(nikkei.value).endswith("set JPFLOWS_STOOQ_KEY or JPFLOWS_CSV_NIKKEI225")
    assert len(str(nikkei.value)) <= 75


def test_parse__proof_of_work_page_is_never_data():
    with pytest.raises(SourceUnavailable, match="proof-of-work"):
        stooq.parse(fx.proof_of_work_page())


def test_download__hit_limit_points_to_the_setting():
    with pytest.raises(SourceUnavailable) as topix:
        stooq.download("^tpx", FakeGet(fx.hit_limit()))
    assert str(topix.value) == "Stooq: daily hit limit reached; set JPFLOWS_CSV_TOPIX to a file"
    with pytest.raises(SourceUnavailable, match="JPFLOWS_CSV_NIKKEI225"):
        stooq.download("^nkx", FakeGet(fx.hit_limit()))


@pytest.mark.parametrize("key", ["", "^tpx&i=w", "tpx index"])
def test_download__bad_symbol_is_unknown_series(key):
    get = FakeGet(fx.topix_csv())
    with pytest.raises(UnknownSeries):
        stooq.download(key, get)
    assert get.calls == []


def test_conformance__yfinance_nikkei_reemitted_in_stooq_layout(realdata):
    path = realdata / "equity_index" / "derived" / "nikkei225_ohlcv_sakudiff.csv"
    frame = stooq.parse(fx.from_yfinance(path.read_text(encoding="utf-8")))
    assert len(frame) == 6732
    assert frame.loc["2025-04-07", "Close"] == pytest.approx(31136.58, abs=0.01)
    assert frame.loc["2025-04-04", "Close"] == pytest.approx(33780.58, abs=0.01)
    assert frame.index.is_monotonic_increasing
