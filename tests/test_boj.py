from __future__ import annotations

import math
from datetime import timedelta

import pandas as pd
import pytest

from addin.errors import LayoutChanged, NoData, SourceUnavailable, UnknownSeries
from addin.sources import boj
from tests.fixtures import boj as fx
from tests.fixtures.fakes import FakeGet

TONA_URL = ("https://www.stat-search.boj.or.jp/api/v1/getDataCode"
            "?format=csv&lang=en&db=FM01&code=STRDCLUCON&startDate=199801")
LEGACY = "https://www.stat-search.boj.or.jp/ssi/mtshtml/csv/fm01_d_1.csv"


def value(frame: pd.DataFrame, day: str, column: str = "STRDCLUCON") -> float:
    return float(frame.loc[pd.Timestamp(day), column])


# --- parse: CSV ---------------------------------------------------------------------------------

def test_parse__csv_unsorted_rows_come_out_ascending():
    frame = boj.parse(fx.tona_csv())
    assert list(frame.columns) == ["STRDCLUCON"]
    assert frame.index.name == "date"
    assert frame.index.is_monotonic_increasing
    assert [d.strftime("%Y-%m-%d") for d in frame.index] == [
        "2025-01-22", "2025-01-23", "2025-01-24", "2025-01-25", "2025-01-26", "2025-01-27",
        "2025-01-28"]


def test_parse__csv_values_around_the_january_2025_hike():
    frame = boj.parse(fx.tona_csv())
    assert value(frame, "2025-01-24") == 0.227
    assert value(frame, "2025-01-27") == 0.476
    assert value(frame, "2025-01-28") == 0.477
    assert frame["STRDCLUCON"].dtype == "float64"


def test_parse__csv_null_weekends_are_nan():
    frame = boj.parse(fx.tona_csv())
    assert math.isnan(value(frame, "2025-01-25"))
    assert math.isnan(value(frame, "2025-01-26"))


def test_parse__csv_crlf_same_as_lf():
    pd.testing.assert_frame_equal(boj.parse(fx.tona_csv("\r\n")), boj.parse(fx.tona_csv()))


def test_parse__csv_with_bom():
    frame = boj.parse(b"\xef\xbb\xbf" + fx.tona_csv())
    assert value(frame, "2025-01-27") == 0.476


def test_parse__csv_monthly_dates_are_month_ends():
    raw = fx.api_csv([("202412", "157.92"), ("202411", "153.71")], db="FM08", code="FXERM07",
                     frequency="MONTHLY")
    frame = boj.parse(raw)
    assert list(frame.index.strftime("%Y-%m-%d")) == ["2024-11-30", "2024-12-31"]
    assert value(frame, "2024-12-31", "FXERM07") == 157.92


def test_parse__csv_empty_value_is_nan():
    frame = boj.parse(fx.api_csv([("19900101", ""), ("19980105", "0.490")]))
    assert math.isnan(value(frame, "1990-01-01"))
    assert value(frame, "1998-01-05") == 0.49


def test_parse__csv_duplicated_date_keeps_last():
    frame = boj.parse(fx.api_csv([("20250124", "0.227"), ("20250124", "0.230")]))
    assert len(frame) == 1 and value(frame, "2025-01-24") == 0.23


def test_parse__two_pages_are_concatenated():
    frame = boj.parse(fx.tona_pages())
    pd.testing.assert_frame_equal(frame, boj.parse(fx.tona_csv()))


def test_parse__missing_values_column_is_layout_changed():
    raw = fx.tona_csv().replace(b",SURVEY_DATES,VALUES", b",SURVEY_DATES,OBS")
    with pytest.raises(LayoutChanged, match="VALUES"):
        boj.parse(raw)


def test_parse__non_numeric_value_is_layout_changed():
    with pytest.raises(LayoutChanged, match="'0,227'"):
        boj.parse(fx.api_csv([("20250124", "0,227")]))


def test_parse__bad_survey_date_is_layout_changed():
    with pytest.raises(LayoutChanged, match="2025-01-24"):
        boj.parse(fx.api_csv([("2025-01-24", "0.227")]))


def test_parse__quarterly_series_is_refused():
    raw = fx.api_csv([("202501", "12")], db="CO", code="TK99F1000601GCQ01000",
                     frequency="QUARTERLY")
    with pytest.raises(LayoutChanged, match="QUARTERLY"):
        boj.parse(raw)


def test_parse__csv_status_not_200_is_source_unavailable():
    raw = b"STATUS,503\nMESSAGEID,M181091S\nMESSAGE,Database is unavailable\n"
    with pytest.raises(SourceUnavailable, match="M181091S"):
        boj.parse(raw)


def test_parse__html_page_is_layout_changed():
    with pytest.raises(LayoutChanged, match="STATUS"):
        boj.parse(b"<!DOCTYPE html><html><body>maintenance</body></html>")


def test_parse__csv_without_header_or_no_data_id_is_layout_changed():
    raw = b"STATUS,200\nMESSAGEID,M181000I\nNEXTPOSITION,\n"
    with pytest.raises(LayoutChanged, match="SERIES_CODE"):
        boj.parse(raw)


# --- parse: JSON --------------------------------------------------------------------------------

def test_parse__json_success_monthly_with_null():
    frame = boj.parse(fx.usdjpy_monthly_json())
    assert list(frame.columns) == ["FXERM07"]
    assert value(frame, "2024-11-30", "FXERM07") == 153.71
    assert math.isnan(value(frame, "2024-12-31", "FXERM07"))
    assert value(frame, "2025-01-31", "FXERM07") == 156.5


def test_parse__json_daily_equals_csv():
    dates = [d for d, _ in fx.TONA_JAN_2025]
    values = [None if v == "null" else float(v) for _, v in fx.TONA_JAN_2025]
    raw = fx.api_json([fx.series_json("STRDCLUCON", dates, values)])
    pd.testing.assert_frame_equal(boj.parse(raw), boj.parse(fx.tona_csv()))


def test_parse__json_keys_with_spaces():
    raw = (b'{"STATUS":200,"MESSAGEID":"M181000I","NEXTPOSITION":null,"RESULTSET":['
           b'{"SERIES CODE":"STRDCLUCON","FREQUENCY":"DAILY",'
           b'"VALUES":{"SURVEY DATES":[20250127],"VALUES":[0.476]}}]}')
    assert value(boj.parse(raw), "2025-01-27") == 0.476


def test_parse__json_unknown_code_is_unknown_series():
    with pytest.raises(UnknownSeries, match="M181013E"):
        boj.parse(fx.unknown_code_json())


def test_parse__json_other_error_is_source_unavailable_with_boj_message():
    raw = fx.error_json(500, "M181090S", "An unexpected error occurred")
    with pytest.raises(SourceUnavailable, match="M181090S: An unexpected error"):
        boj.parse(raw)


def test_parse__json_no_data_is_no_data():
    with pytest.raises(NoData):
        boj.parse(fx.no_data_json())


def test_parse__json_mismatched_lists_is_layout_changed():
    raw = fx.api_json([fx.series_json("STRDCLUCON", ["20250124", "20250127"], [0.227])])
    with pytest.raises(LayoutChanged, match="SURVEY_DATES"):
        boj.parse(raw)


def test_parse__json_without_resultset_is_layout_changed():
    with pytest.raises(LayoutChanged, match="RESULTSET"):
        boj.parse(b'{"STATUS":200,"MESSAGEID":"M181000I"}')


def test_parse__error_messages_fit_a_cell():
    long = fx.error_json(503, "M181091S", "x" * 300)
    with pytest.raises(SourceUnavailable) as caught:
        boj.parse(long)
    assert len(str(caught.value)) <= 75


# --- check_page and next_position ---------------------------------------------------------------

def test_check_page__accepts_no_data_page():
    assert boj.check_page(fx.no_data_json()) is None


def test_check_page__rejects_error_json():
    with pytest.raises(UnknownSeries):
        boj.check_page(fx.unknown_code_json())
    with pytest.raises(SourceUnavailable):
        boj.check_page(fx.error_json(503, "M181091S", "Database is unavailable"))


def test_next_position__csv_and_json():
    first, second = fx.tona_pages()
    assert boj.next_position(first) == 5
    assert boj.next_position(second) is None
    assert boj.next_position(fx.api_json([], next_position=250)) == 250
    assert boj.next_position(fx.usdjpy_monthly_json()) is None


# --- keys and URLs ------------------------------------------------------------------------------

@pytest.mark.parametrize("key", ["FM01:STRDCLUCON", "fm01:strdclucon", "FM01'STRDCLUCON"])
def test_split_key__accepted_forms(key):
    assert boj.split_key(key) == ("FM01", "STRDCLUCON")


@pytest.mark.parametrize("key", ["STRDCLUCON", "FM01:", "FM01:STRD&x=1", ""])
def test_split_key__bad_key_is_unknown_series(key):
    with pytest.raises(UnknownSeries, match="DB:CODE"):
        boj.split_key(key)


def test_api_url__tona_and_next_page():
    assert boj.api_url("FM01", "STRDCLUCON") == TONA_URL
    assert boj.api_url("FM08", "FXERD04", 5) == (
        "https://www.stat-search.boj.or.jp/api/v1/getDataCode?format=csv&lang=en&db=FM08"
        "&code=FXERD04&startDate=199801&startPosition=5")


# --- download -----------------------------------------------------------------------------------

def test_download__one_page_with_check_and_three_hour_expiry():
    get = FakeGet({TONA_URL: fx.tona_csv()})
    raw = boj.download("FM01:STRDCLUCON", get)
    assert raw == (fx.tona_csv(),)
    [call] = get.calls
    assert call.url == TONA_URL
    assert call.check is boj.check_page
    assert call.expire == timedelta(hours=3)


def test_download__follows_nextposition():
    first, second = fx.tona_pages()
    get = FakeGet({TONA_URL: first, TONA_URL + "&startPosition=5": second})
    raw = boj.download("FM01:STRDCLUCON", get)
    assert get.urls == [TONA_URL, TONA_URL + "&startPosition=5"]
    assert value(boj.parse(raw), "2025-01-28") == 0.477


def test_download__nextposition_that_does_not_advance_is_layout_changed():
    looping = fx.api_csv(fx.TONA_JAN_2025, next_position="5")
    get = FakeGet({TONA_URL: looping, TONA_URL + "&startPosition=5": looping})
    with pytest.raises(LayoutChanged, match="NEXTPOSITION"):
        boj.download("FM01:STRDCLUCON", get)


def test_download__unknown_code_names_the_key():
    url = boj.api_url("FM08", "NOSUCH")
    with pytest.raises(UnknownSeries, match="FM08:NOSUCH"):
        boj.download("FM08:NOSUCH", FakeGet({url: fx.unknown_code_json()}))


def test_download__unknown_code_reported_through_http_layer():
    url = boj.api_url("FM08", "NOSUCH")
    failure = SourceUnavailable("BOJ: BOJ M181013E: series code not found; nothing cached")
    with pytest.raises(UnknownSeries, match="FM08:NOSUCH"):
        boj.download("FM08:NOSUCH", FakeGet({url: failure}))


def test_download__tona_falls_back_to_legacy_file():
    legacy = fx.legacy_csv([("2025/01/24", "0.227"), ("2025/01/27", "0.476")])
    get = FakeGet({TONA_URL: SourceUnavailable("BOJ unreachable"), LEGACY: legacy})
    raw = boj.download("FM01:STRDCLUCON", get)
    assert get.calls[1].url == LEGACY and get.calls[1].check is boj.parse_legacy
    assert value(boj.parse(raw), "2025-01-27") == 0.476


def test_download__legacy_failure_reports_the_api_failure():
    get = FakeGet({TONA_URL: SourceUnavailable("BOJ API down"), LEGACY: SourceUnavailable("x")})
    with pytest.raises(SourceUnavailable, match="BOJ API down"):
        boj.download("FM01:STRDCLUCON", get)


def test_download__no_fallback_for_other_series():
    url = boj.api_url("FM08", "FXERD04")
    get = FakeGet({url: SourceUnavailable("BOJ unreachable")})
    with pytest.raises(SourceUnavailable, match="unreachable"):
        boj.download("FM08:FXERD04", get)
    assert len(get.calls) == 1


# --- legacy file --------------------------------------------------------------------------------

def test_parse_legacy__values_and_na():
    raw = fx.legacy_csv([("2025/01/27", "0.476"), ("2025/01/25", "NA"), ("2025/01/24", "0.227")])
    frame = boj.parse_legacy(raw)
    assert list(frame.columns) == ["STRDCLUCON"]
    assert list(frame.index.strftime("%Y-%m-%d")) == ["2025-01-24", "2025-01-25", "2025-01-27"]
    assert value(frame, "2025-01-24") == 0.227
    assert math.isnan(value(frame, "2025-01-25"))


def test_parse_legacy__other_series_is_layout_changed():
    raw = fx.legacy_csv([("2025/01/24", "155.8")]).replace(b"FM01'STRDCLUCON", b"FM08'FXERD04")
    with pytest.raises(LayoutChanged, match="FM08'FXERD04"):
        boj.parse_legacy(raw)


def test_parse_legacy__footer_row_is_layout_changed():
    raw = fx.legacy_csv([("2025/01/24", "0.227")]) + "注記,NA\r\n".encode("cp932")
    with pytest.raises(LayoutChanged, match="YYYY/MM/DD"):
        boj.parse_legacy(raw)


# --- real data ----------------------------------------------------------------------------------

def test_conformance__derived_tona_file_reemitted_in_api_layout(realdata):
    path = realdata / "boj" / "derived" / "boj_call_rate_FM01_STRDCLUCON_daily.csv"
    text = path.read_text(encoding="utf-8")
    frame = boj.parse(fx.from_date_value(text))
    expected = pd.read_csv(path, parse_dates=["date"], index_col="date")["value"]
    assert len(frame) == 7017
    assert (frame.index == expected.index).all()
    assert (frame["STRDCLUCON"].to_numpy() == expected.to_numpy()).all()
    assert value(frame, "2025-01-24") == 0.227
    assert value(frame, "2025-01-27") == 0.476
    assert value(frame, "2025-12-22") == 0.727
