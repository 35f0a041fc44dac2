from __future__ import annotations

import math

import pandas as pd
import pytest

from addin.errors import LayoutChanged
from addin.sources import fred, treasury
from tests.fixtures import treasury as fx

ALL_TENORS = ["1M", "1.5M", "2M", "3M", "4M", "6M", "1Y", "2Y", "3Y", "5Y", "7Y", "10Y",
              "20Y", "30Y"]


def test_parse__fixture_has_no_trailing_newline():
    assert not fx.year_2025().endswith(b"\n")
    assert fx.year_2025().startswith(b'Date,"1 Mo","1.5 Month","2 Mo"')


def test_parse__ascending_dates_and_columns():
    frame = treasury.parse(fx.year_2025())
    assert list(frame.columns) == ALL_TENORS
    assert frame.index.name == "date"
    assert list(frame.index.strftime("%Y-%m-%d")) == [
        "2025-01-02", "2025-02-14", "2025-02-18", "2025-09-30", "2025-12-19"]
    assert all(dtype == "float64" for dtype in frame.dtypes)


def test_parse__values_by_name():
    frame = treasury.parse(fx.year_2025())
    assert frame.loc["2025-09-30", "5Y"] == 3.74
    assert frame.loc["2025-09-30", "1M"] == 4.20
    assert frame.loc["2025-12-19", "30Y"] == 4.82
    assert frame.loc["2025-01-02", "4M"] == 4.31


def test_parse__blank_six_week_bill_is_nan():
    frame = treasury.parse(fx.year_2025())
    assert math.isnan(frame.loc["2025-01-02", "1.5M"])
    assert math.isnan(frame.loc["2025-02-14", "1.5M"])
    assert frame.loc["2025-02-18", "1.5M"] == 4.33


def test_parse__older_layout_keeps_every_column():
    frame = treasury.parse(fx.year_2021())
    assert list(frame.columns) == ALL_TENORS
    assert frame["4M"].isna().all() and frame["1.5M"].isna().all()
    assert frame.loc["2021-01-04", "6M"] == 0.09
    assert frame.loc["2021-12-31", "30Y"] == 1.90
    assert frame.loc["2021-12-31", "20Y"] == 1.94


def test_parse__unknown_column_ignored():
    header = fx.HEADER_2021 + ("50 Yr",)
    rows = [row + ",9.99" for row in fx.ROWS_2021]
    frame = treasury.parse(fx.csv_file(header, rows))
    assert list(frame.columns) == ALL_TENORS
    assert 9.99 not in frame.to_numpy()


def test_parse__no_date_column_raises():
    header = ("Day",) + fx.HEADER_2021[1:]
    with pytest.raises(LayoutChanged, match="header"):
        treasury.parse(fx.csv_file(header, fx.ROWS_2021))


def test_parse__no_known_tenor_raises():
    header = ("Date", "1 Month", "2 Month")
    with pytest.raises(LayoutChanged, match="header"):
        treasury.parse(fx.csv_file(header, ["01/04/2021,0.09,0.09"]))


def test_parse__header_only_raises():
    with pytest.raises(LayoutChanged, match="no data rows"):
        treasury.parse(fx.csv_file(fx.HEADER_2025, []))


def test_parse__empty_body_raises():
    with pytest.raises(LayoutChanged):
        treasury.parse(b"")


def test_parse__html_raises():
    with pytest.raises(LayoutChanged, match="HTML"):
        treasury.parse(b"  <!DOCTYPE html>\n<html><body>Access Denied</body></html>")


def test_parse__iso_date_raises():
    rows = ["2021-01-04,0.09,0.09,0.09,0.09,0.10,0.11,0.16,0.36,0.64,0.93,1.46,1.66"]
    with pytest.raises(LayoutChanged, match="MM/DD/YYYY"):
        treasury.parse(fx.csv_file(fx.HEADER_2021, rows))


def test_parse__text_yield_raises():
    rows = ["01/04/2021,0.09,n.a.,0.09,0.09,0.10,0.11,0.16,0.36,0.64,0.93,1.46,1.66"]
    with pytest.raises(LayoutChanged, match="not a number"):
        treasury.parse(fx.csv_file(fx.HEADER_2021, rows))


# Real publisher files ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def curve_2025(realdata) -> pd.DataFrame:
    return treasury.parse((realdata / "treasury" / "daily-treasury-rates_2025.csv").read_bytes())


def test_real_2025__coverage(curve_2025):
    # 242 data lines below the header (the last one without a newline).
    assert len(curve_2025) == 242
    assert curve_2025.index[0] == pd.Timestamp("2025-01-02")
    assert curve_2025.index[-1] == pd.Timestamp("2025-12-19")
    assert list(curve_2025.columns) == ALL_TENORS


def test_real_2025__six_week_bill_starts_2025_02_18(curve_2025):
    assert curve_2025.loc[:"2025-02-17", "1.5M"].isna().all()
    assert curve_2025["1.5M"].first_valid_index() == pd.Timestamp("2025-02-18")


def test_real_2025__known_values(curve_2025):
    assert curve_2025.loc["2025-09-30", "5Y"] == 3.74
    assert curve_2025.loc["2025-04-07", "30Y"] == 4.58
    assert curve_2025.loc["2025-12-19", "10Y"] == 4.16


def test_real_2025__five_year_equals_fred_dgs5(realdata, curve_2025):
    dgs5 = fred.parse((realdata / "fred" / "DGS5.csv").read_bytes())["DGS5"].dropna()
    common = curve_2025.index.intersection(dgs5.index)
    assert len(common) == 242
    pd.testing.assert_series_equal(
        curve_2025.loc[common, "5Y"], dgs5.loc[common], check_names=False)
