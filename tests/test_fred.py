from __future__ import annotations

import math

import pandas as pd
import pytest

from addin.errors import LayoutChanged
from addin.sources import fred
from tests.fixtures import fred as fx


@pytest.mark.parametrize("body", [fx.current_layout(), fx.old_layout()], ids=["current", "old"])
def test_parse__both_layouts(body):
    frame = fred.parse(body)
    assert list(frame.columns) == ["DGS5"]
    assert frame.index.name == "date"
    assert list(frame.index.strftime("%Y-%m-%d")) == ["2025-08-29", "2025-09-01", "2025-09-02"]
    assert frame.loc["2025-08-29", "DGS5"] == 3.70
    assert math.isnan(frame.loc["2025-09-01", "DGS5"])
    assert frame["DGS5"].dtype == "float64"


def test_parse__fixture_bytes():
    assert fx.current_layout().startswith(b"observation_date,DGS5\n")
    assert b"\n2025-09-01,\n" in fx.current_layout()
    assert b"\n2025-09-01,.\n" in fx.old_layout()


def test_parse__column_named_as_in_header():
    frame = fred.parse(fx.current_layout("IR3TIB01JPM156N", [("2002-04-01", "0.1")]))
    assert list(frame.columns) == ["IR3TIB01JPM156N"]


def test_parse__unsorted_rows_come_out_ascending():
    rows = [("2025-09-02", "3.74"), ("2025-08-29", "3.70")]
    frame = fred.parse(fx.current_layout(rows=rows))
    assert frame.index.is_monotonic_increasing
    assert frame["DGS5"].tolist() == [3.70, 3.74]


def test_parse__bom_accepted():
    frame = fred.parse(b"\xef\xbb\xbf" + fx.current_layout())
    assert frame.loc["2025-09-02", "DGS5"] == 3.74


def test_parse_series__html_raises_naming_the_id():
    body = b"\xef\xbb\xbf\n  <!DOCTYPE html><html><title>Error</title></html>"
    with pytest.raises(LayoutChanged, match="^FRED DGS5: got an HTML page, not CSV$"):
        fred.parse_series(body, "DGS5")


def test_parse__html_raises():
    with pytest.raises(LayoutChanged, match="HTML"):
        fred.parse(b"<html><body>Too Many Requests</body></html>")


def test_parse_series__other_series_raises():
    with pytest.raises(LayoutChanged, match="DGS10"):
        fred.parse_series(fx.current_layout("DGS10"), "DGS5")


def test_parse_series__id_case_ignored():
    assert list(fred.parse_series(fx.current_layout(), "dgs5").columns) == ["DGS5"]


@pytest.mark.parametrize(
    "body",
    [b"date,value\n2025-09-02,3.74\n", b"observation_date,DGS5,DGS10\n2025-09-02,3.74,4.2\n",
     b"observation_date\n2025-09-02\n", b""],
    ids=["names", "two-series", "one-column", "empty"],
)
def test_parse__unknown_header_raises(body):
    with pytest.raises(LayoutChanged, match="header"):
        fred.parse(body)


def test_parse__header_only_raises():
    with pytest.raises(LayoutChanged, match="no data rows"):
        fred.parse(fx.current_layout(rows=[]))


def test_parse__text_value_raises():
    with pytest.raises(LayoutChanged, match="not numbers"):
        fred.parse(fx.current_layout(rows=[("2025-09-02", "n/a")]))


def test_parse__bad_date_raises():
    with pytest.raises(LayoutChanged, match="09/02/2025"):
        fred.parse(fx.current_layout(rows=[("09/02/2025", "3.74")]))


# Real publisher files ---------------------------------------------------------------------


def _real(realdata, series_id: str) -> pd.DataFrame:
    return fred.parse_series((realdata / "fred" / f"{series_id}.csv").read_bytes(), series_id)


def test_real_dgs5__values(realdata):
    frame = _real(realdata, "DGS5")
    assert frame.loc["2025-08-18", "DGS5"] == 3.86
    assert math.isnan(frame.loc["2025-09-01", "DGS5"])
    assert len(frame) == 16822
    assert frame["DGS5"].isna().sum() == 718


def test_real_dexjpus__value(realdata):
    assert _real(realdata, "DEXJPUS").loc["2025-09-30", "DEXJPUS"] == 147.97


def test_real_sofr__value(realdata):
    assert _real(realdata, "SOFR").loc["2025-09-30", "SOFR"] == 4.24


def test_real_oecd_float_noise__parses(realdata):
    frame = _real(realdata, "IR3TIB01JPM156N")
    assert frame["IR3TIB01JPM156N"].dtype == "float64"
    assert frame.loc["2002-04-01", "IR3TIB01JPM156N"] == pytest.approx(0.1, abs=1e-12)
    assert len(frame) == 276 and frame["IR3TIB01JPM156N"].notna().all()
