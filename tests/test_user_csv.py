from __future__ import annotations

import math
from datetime import timedelta

import pandas as pd
import pytest

from addin.errors import LayoutChanged, SourceUnavailable
from addin.sources import user_csv
from tests.fixtures.fakes import FakeGet


def values(raw: bytes) -> dict[str, float]:
    series = user_csv.parse(raw)["value"]
    return {day.strftime("%Y-%m-%d"): v for day, v in series.items()}


# --- layouts ------------------------------------------------------------------------------------

def test_parse__date_value_frame_shape():
    frame = user_csv.parse(b"date,value\n2025-04-04,2482.06\n2025-04-07,2288.66\n")
    assert list(frame.columns) == ["value"]
    assert frame.index.name == "date"
    assert isinstance(frame.index, pd.DatetimeIndex)
    assert frame["value"].dtype == "float64"
    assert values(b"date,value\n2025-04-04,2482.06\n2025-04-07,2288.66\n") == {
        "2025-04-04": 2482.06, "2025-04-07": 2288.66}


def test_parse__bom_and_crlf():
    raw = b"\xef\xbb\xbfDate,Value\r\n2025-04-07,2288.66\r\n2025-04-08,2432.02\r\n"
    assert values(raw) == {"2025-04-07": 2288.66, "2025-04-08": 2432.02}


def test_parse__yfinance_layout_uses_close():
    raw = (b"Date,Close,High,Low,Open,Volume\n"
           b"2025-04-07,31136.580078125,33158.87109375,30792.740234375,33154.96875,266700000\n")
    assert values(raw) == {"2025-04-07": 31136.580078125}


def test_parse__yfinance_three_row_header():
    raw = (b"Price,Close,High,Low,Open,Volume\n"
           b"Ticker,^N225,^N225,^N225,^N225,^N225\n"
           b"Date,,,,,\n"
           b"2025-04-04,33780.58,34589.0,33223.27,34500.66,197600000\n"
           b"2025-04-07,31136.58,33158.87,30792.74,33154.97,266700000\n")
    assert values(raw) == {"2025-04-04": 33780.58, "2025-04-07": 31136.58}


def test_parse__yfinance_datetime_with_timezone_keeps_the_day():
    raw = b"Date,Close\n2025-04-07 00:00:00+09:00,31136.58\n"
    assert values(raw) == {"2025-04-07": 31136.58}


def test_parse__fred_layout_blank_is_nan():
    frame = user_csv.parse(b"observation_date,DGS5\n2025-09-01,\n2025-09-02,3.74\n")
    assert math.isnan(frame.loc["2025-09-01", "value"])
    assert frame.loc["2025-09-02", "value"] == 3.74


def test_parse__old_fred_dot_is_nan():
    frame = user_csv.parse(b"DATE,DGS5\n2016-07-04,.\n2016-07-05,1.02\n")
    assert math.isnan(frame.loc["2016-07-04", "value"])
    assert frame.loc["2016-07-05", "value"] == 1.02


def test_parse__value_column_wins_over_close():
    assert values(b"Date,Close,value\n2025-04-07,1.5,2.5\n") == {"2025-04-07": 2.5}


def test_parse__close_wins_over_adj_close():
    raw = b"Date,Open,High,Low,Close,Adj Close,Volume\n2025-04-07,1,2,0.5,1.5,1.4,100\n"
    assert values(raw) == {"2025-04-07": 1.5}


def test_parse__adj_close_when_no_close():
    assert values(b"Date,Open,Adj Close,Volume\n2025-04-07,1,1.4,100\n") == {"2025-04-07": 1.4}


def test_parse__any_first_column_name_when_its_cells_are_dates():
    assert values(b"Day,Level\n2025-04-07,2288.66\n") == {"2025-04-07": 2288.66}


def test_parse__single_numeric_column_among_text_columns():
    raw = b"date,ticker,price\n2025-04-07,TOPIX,2288.66\n"
    assert values(raw) == {"2025-04-07": 2288.66}


def test_parse__no_header():
    assert values(b"2025-04-07,2288.66\n2025-04-08,2432.02\n") == {
        "2025-04-07": 2288.66, "2025-04-08": 2432.02}


def test_parse__slash_dates_unpadded():
    assert values(b"date,value\n2025/4/7,0.488\n2025/12/22,3.374\n") == {
        "2025-04-07": 0.488, "2025-12-22": 3.374}


def test_parse__unsorted_and_duplicated_dates_keep_last():
    raw = b"date,value\n2025-04-08,2432.02\n2025-04-07,1.0\n2025-04-07,2288.66\n"
    frame = user_csv.parse(raw)
    assert list(frame.index.strftime("%Y-%m-%d")) == ["2025-04-07", "2025-04-08"]
    assert frame.loc["2025-04-07", "value"] == 2288.66


def test_parse__semicolon_separator():
    assert values(b"date;value\r\n2025-04-07;2288.66\r\n") == {"2025-04-07": 2288.66}


def test_parse__quoted_thousands_separator():
    assert values(b'date,value\n2025-04-07,"2,288.66"\n') == {"2025-04-07": 2288.66}


def test_parse__cp932_japanese_header():
    raw = "日付,終値\r\n2025/4/7,2288.66\r\n".encode("cp932")
    assert values(raw) == {"2025-04-07": 2288.66}


# --- rejections ---------------------------------------------------------------------------------

def test_parse__us_dates_are_rejected_naming_the_value():
    with pytest.raises(LayoutChanged, match="'04/07/2025'"):
        user_csv.parse(b"date,value\n04/07/2025,2288.66\n")


def test_parse__impossible_date_is_rejected():
    with pytest.raises(LayoutChanged, match="'2025-02-30'"):
        user_csv.parse(b"date,value\n2025-02-28,1\n2025-02-30,2\n")


def test_parse__text_value_is_rejected_naming_the_value():
    with pytest.raises(LayoutChanged, match="'n.a.'"):
        user_csv.parse(b"date,value\n2025-04-07,n.a.\n")


def test_parse__decimal_comma_in_semicolon_file_is_rejected():
    with pytest.raises(LayoutChanged, match="'2288,66'"):
        user_csv.parse(b"date;value\n2025-04-07;2288,66\n")


def test_parse__first_column_not_dates():
    with pytest.raises(LayoutChanged, match="'name'"):
        user_csv.parse(b"name,value\nTOPIX,2288.66\n")


def test_parse__several_unnamed_numeric_columns():
    with pytest.raises(LayoutChanged, match="no 'value' column"):
        user_csv.parse(b"date,a,b\n2025-04-07,1,2\n")


def test_parse__header_only():
    with pytest.raises(LayoutChanged):
        user_csv.parse(b"date,value\n")


def test_parse__empty_file():
    with pytest.raises(LayoutChanged):
        user_csv.parse(b"")


def test_parse__messages_fit_a_cell():
    raw = b"date," + b",".join(b"column_%d" % i for i in range(40)) + b"\n2025-04-07" + b",1" * 40
    with pytest.raises(LayoutChanged) as caught:
        user_csv.parse(raw + b"\n")
    assert len(str(caught.value)) <= 75


# --- download -----------------------------------------------------------------------------------

def test_download__url_goes_through_get_with_check():
    body = b"date,value\n2025-04-07,2288.66\n"
    get = FakeGet(body)
    assert user_csv.download("https://example.com/topix.csv", get) == body
    [call] = get.calls
    assert call.url == "https://example.com/topix.csv"
    assert call.check is user_csv.parse
    assert call.expire == timedelta(minutes=15)


def test_download__url_check_rejects_a_bad_file():
    with pytest.raises(LayoutChanged):
        user_csv.download("http://example.com/x.csv", FakeGet(b"<html>login</html>\n"))


def test_download__local_path_read_from_disk(tmp_path):
    path = tmp_path / "topix.csv"
    path.write_bytes(b"date,value\n2025-04-07,2288.66\n")
    get = FakeGet(b"")
    assert user_csv.download(str(path), get) == b"date,value\n2025-04-07,2288.66\n"
    assert get.calls == []


def test_download__missing_local_file_names_it(tmp_path):
    with pytest.raises(SourceUnavailable, match="no_such.csv"):
        user_csv.download(str(tmp_path / "no_such.csv"), FakeGet(b""))


def test_download__long_missing_path_fits_a_cell(tmp_path):
    deep = tmp_path / ("d" * 60) / ("e" * 60) / "closes.csv"
    with pytest.raises(SourceUnavailable) as caught:
        user_csv.download(str(deep), FakeGet(b""))
    assert len(str(caught.value)) <= 75
    assert str(caught.value).endswith("closes.csv")


def test_download__directory_is_unreadable(tmp_path):
    with pytest.raises(SourceUnavailable, match="unreadable"):
        user_csv.download(str(tmp_path), FakeGet(b""))


@pytest.mark.parametrize("key,expected", [("https://a.b/c.csv", True), ("HTTP://a.b/c", True),
                                          ("C:\\data\\topix.csv", False), ("/tmp/x.csv", False)])
def test_is_url__cases(key, expected):
    assert user_csv.is_url(key) is expected


# --- real data ----------------------------------------------------------------------------------

def test_conformance__topix_official_closes(realdata):
    raw = (realdata / "equity_index" / "derived" / "topix_jpx_official_closes.csv").read_bytes()
    frame = user_csv.parse(raw)
    assert len(frame) == 2598
    assert frame.loc["2025-04-07", "value"] == 2288.66
    assert frame.loc["2025-04-04", "value"] == 2482.06
    assert frame.index.is_monotonic_increasing


def test_conformance__nikkei_yfinance_layout(realdata):
    raw = (realdata / "equity_index" / "derived" / "nikkei225_ohlcv_sakudiff.csv").read_bytes()
    frame = user_csv.parse(raw)
    assert len(frame) == 6732
    assert frame.loc["2025-04-07", "value"] == pytest.approx(31136.58, abs=0.01)


def test_conformance__boj_derived_tona(realdata):
    raw = (realdata / "boj" / "derived" / "boj_call_rate_FM01_STRDCLUCON_daily.csv").read_bytes()
    frame = user_csv.parse(raw)
    assert len(frame) == 7017
    assert frame.loc["2025-01-24", "value"] == 0.227
    assert frame.loc["2025-01-27", "value"] == 0.476


def test_conformance__fred_dgs5_blank_holiday(realdata):
    frame = user_csv.parse((realdata / "fred" / "DGS5.csv").read_bytes())
    assert math.isnan(frame.loc["2025-09-01", "value"])
    assert frame.loc["2025-09-02", "value"] == 3.74
