from __future__ import annotations

import math

import pandas as pd
import pytest

from addin.errors import LayoutChanged
from addin.sources import mof_jgb
from tests.fixtures import mof_jgb as fx

EXPECTED_COLUMNS = ["1Y", "2Y", "3Y", "4Y", "5Y", "6Y", "7Y", "8Y", "9Y", "10Y",
                    "15Y", "20Y", "25Y", "30Y", "40Y"]


@pytest.fixture
def merged() -> pd.DataFrame:
    return mof_jgb.parse((fx.english_history(), fx.english_current()))


def test_parse__frame_shape(merged):
    assert list(merged.columns) == EXPECTED_COLUMNS
    assert merged.index.name == "date"
    assert isinstance(merged.index, pd.DatetimeIndex)
    assert merged.index.is_monotonic_increasing
    assert all(dtype == "float64" for dtype in merged.dtypes)


def test_parse__current_month_wins_on_overlap(merged):
    assert merged.loc["2025-04-07", "10Y"] == 1.139
    assert list(merged.index.strftime("%Y-%m-%d")) == [
        "1974-09-24", "1978-05-22", "2016-07-27", "2025-04-04", "2025-04-07", "2025-04-08"]


def test_parse__history_only_when_current_month_empty():
    frame = mof_jgb.parse((fx.english_history(), b""))
    assert frame.index[-1] == pd.Timestamp("2025-04-07")
    assert frame.loc["2025-04-07", "10Y"] == 1.129


def test_parse__japanese_current_month_merges():
    frame = mof_jgb.parse((fx.english_history(), fx.japanese_current()))
    assert frame.index[-1] == pd.Timestamp("2025-04-08")
    assert frame.loc["2025-04-08", "40Y"] == 2.728


def test_parse_file__dash_is_nan(merged):
    assert math.isnan(merged.loc["1974-09-24", "10Y"])
    assert math.isnan(merged.loc["1978-05-22", "1Y"])
    assert merged.loc["1974-09-24", "9Y"] == 8.127
    assert merged.loc["1978-05-22", "3Y"] == 6.1


def test_parse_file__negative_yields(merged):
    assert merged.loc["2016-07-27", "10Y"] == -0.297
    assert merged.loc["2016-07-27", "1Y"] == -0.371


@pytest.mark.parametrize(
    "era, iso",
    [("R7.4.7", "2025-04-07"), ("H31.4.26", "2019-04-26"), ("S49.9.24", "1974-09-24"),
     ("T15.12.24", "1926-12-24"), ("H1.1.9", "1989-01-09")],
)
def test_parse_file__era_dates(era, iso):
    row = era + ",1" + ",2" * 14
    frame = mof_jgb.parse_file(fx.japanese_file([row]))
    assert list(frame.index) == [pd.Timestamp(iso)]
    assert frame.iloc[0, 0] == 1.0


def test_parse_file__japanese_shift_jis_eras_and_trailer():
    frame = mof_jgb.parse_file(fx.japanese_eras())
    assert list(frame.index.strftime("%Y-%m-%d")) == ["1974-09-24", "2019-04-26", "2025-04-07"]
    assert frame.loc["2019-04-26", "10Y"] == -0.044
    assert frame.loc["2025-04-07", "30Y"] == 2.282


def test_parse_file__japanese_utf8_without_title():
    body = fx.japanese_file(fx.JAPANESE_ROWS, title=False, trailer=False, encoding="utf-8")
    frame = mof_jgb.parse_file(body)
    assert frame.loc["2025-04-08", "1Y"] == 0.51


def test_parse_file__japanese_equals_english():
    english = mof_jgb.parse_file(fx.english_file(fx.HISTORY_ROWS[-1:]))
    japanese = mof_jgb.parse_file(fx.japanese_current()).iloc[:1]
    pd.testing.assert_frame_equal(english, japanese)


@pytest.mark.parametrize(
    "header",
    [
        "Date,1Y,2Y,3Y,4Y,5Y,6Y,7Y,8Y,9Y,10Y,15Y,20Y,25Y,30Y",
        "Date,1Y,2Y,3Y,4Y,5Y,6Y,7Y,8Y,9Y,10Y,20Y,15Y,25Y,30Y,40Y",
        "Day,1Y,2Y,3Y,4Y,5Y,6Y,7Y,8Y,9Y,10Y,15Y,20Y,25Y,30Y,40Y",
        "Date,1Y,2Y,3Y,4Y,5Y,6Y,7Y,8Y,9Y,10Y,15Y,20Y,25Y,30Y,40Y,50Y",
    ],
)
def test_parse_file__changed_header_raises(header):
    with pytest.raises(LayoutChanged, match="header"):
        mof_jgb.parse_file(fx.english_file(fx.HISTORY_ROWS, header=header), "jgbcme_all.csv")


def test_parse_file__changed_japanese_header_raises():
    header = fx.JAPANESE_HEADER.replace("40年", "50年")
    with pytest.raises(LayoutChanged, match="header"):
        mof_jgb.parse_file(fx.japanese_file(fx.JAPANESE_ROWS, header=header))


def test_parse_file__mangled_header_with_wrong_tenors_raises():
    header = "\ufffd\ufffd," + ",".join(f"{n}\ufffdN" for n in fx.TENORS[:-1])
    with pytest.raises(LayoutChanged, match="header"):
        mof_jgb.parse_file(fx.japanese_file(fx.JAPANESE_ROWS, header=header, encoding="utf-8"))


def test_parse_file__empty_bytes_raises():
    with pytest.raises(LayoutChanged, match="jgbcme.csv: file is empty"):
        mof_jgb.parse_file(b"", "jgbcme.csv")


def test_parse_file__header_without_rows_raises():
    with pytest.raises(LayoutChanged, match="no data rows"):
        mof_jgb.parse_file(fx.english_file([]))


def test_parse_file__html_raises():
    with pytest.raises(LayoutChanged, match="HTML"):
        mof_jgb.parse_file(b"\r\n<!DOCTYPE html><html><body>Maintenance</body></html>")


def test_parse_file__row_with_too_few_yields_raises():
    rows = fx.HISTORY_ROWS + ["2025/4/8,0.51,0.647"]
    with pytest.raises(LayoutChanged):
        mof_jgb.parse_file(fx.english_file(rows))


def test_parse_file__text_yield_raises():
    rows = fx.HISTORY_ROWS + ["2025/4/8" + ",n/a" * 15]
    with pytest.raises(LayoutChanged, match="15 yields"):
        mof_jgb.parse_file(fx.english_file(rows))


def test_parse_file__bad_date_raises():
    rows = fx.HISTORY_ROWS + ["2025/13/8" + ",1.0" * 15]
    with pytest.raises(LayoutChanged, match="2025/13/8"):
        mof_jgb.parse_file(fx.english_file(rows))


def test_parse_file__repeated_date_raises():
    rows = fx.HISTORY_ROWS + fx.HISTORY_ROWS[-1:]
    with pytest.raises(LayoutChanged, match="2025-04-07 appears twice"):
        mof_jgb.parse_file(fx.english_file(rows))


def test_parse_file__dated_rows_after_blank_row_raise():
    rows = fx.HISTORY_ROWS[:2] + ["," * 15] + fx.HISTORY_ROWS[2:]
    with pytest.raises(LayoutChanged, match="after a blank row"):
        mof_jgb.parse_file(fx.english_file(rows))


def test_parse_file__messages_fit_a_cell():
    bodies = [b"", fx.english_file([]), fx.english_file(fx.HISTORY_ROWS, header="Date,1Y")]
    for body in bodies:
        with pytest.raises(LayoutChanged) as caught:
            mof_jgb.parse_file(body, mof_jgb.HISTORY_FILE)
        assert len(str(caught.value)) <= 75


# Real publisher files ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def english_real(realdata) -> pd.DataFrame:
    return mof_jgb.parse_file((realdata / "mof_jgb" / "jgbcme_all.csv").read_bytes())


def test_real_history__known_values(english_real):
    assert english_real.loc["2025-09-03", "30Y"] == 3.17
    assert english_real.loc["2025-09-30", "5Y"] == 1.244
    assert english_real["10Y"].min() == -0.297
    assert english_real["10Y"].idxmin() == pd.Timestamp("2016-07-27")


def test_real_history__coverage(english_real):
    assert len(english_real) == 13248
    assert english_real.index[0] == pd.Timestamp("1974-09-24")
    assert english_real.index[-1] == pd.Timestamp("2026-06-30")
    assert english_real["40Y"].first_valid_index() == pd.Timestamp("2007-11-06")
    assert pd.Timestamp("2025-09-15") not in english_real.index


def test_real_history__parse_with_empty_current_month(realdata, english_real):
    body = (realdata / "mof_jgb" / "jgbcme_all.csv").read_bytes()
    pd.testing.assert_frame_equal(mof_jgb.parse((body, b"")), english_real)


def test_real_japanese_history__equals_english(realdata, english_real):
    body = (realdata / "mof_jgb" / "degraded" / "jgbcm_all_utf8.csv").read_bytes()
    japanese = mof_jgb.parse_file(body)
    common = japanese.index.intersection(english_real.index)
    assert len(common) == 13166
    pd.testing.assert_frame_equal(japanese.loc[common], english_real.loc[common])


def test_real_japanese_current__mangled_layout(realdata):
    body = (realdata / "mof_jgb" / "degraded" / "jgbcm_2025-10_mojibake.csv").read_bytes()
    frame = mof_jgb.parse_file(body, "jgbcm.csv")
    assert len(frame) == 11
    assert frame.index[0] == pd.Timestamp("2025-10-01")
    assert frame.index[-1] == pd.Timestamp("2025-10-16")
    assert frame.loc["2025-10-01", "5Y"] == 1.248
    assert frame.loc["2025-10-16", "40Y"] == 3.34


def test_parse__header_only_current_month_is_a_new_month_not_an_error():
    from addin.sources import mof_jgb as source
    from tests.fixtures import mof_jgb as files

    merged = source.parse((files.english_history(), files.english_file([])))
    assert merged.equals(source.parse_file(files.english_history()))
    assert source.check_current(files.english_file([])).empty
