from __future__ import annotations

from datetime import date, datetime

import pandas as pd
import pytest

from addin.errors import BadArgument
from udfs import coerce


@pytest.mark.parametrize("serial, expected", [
    (1, datetime(1900, 1, 1)), (59, datetime(1900, 2, 28)), (61, datetime(1900, 3, 1)),
    (45895, datetime(2025, 8, 26)), (45895.75, datetime(2025, 8, 26)),
])
def test_to_date__excel_serials_in_the_1900_system(serial, expected):
    assert coerce.to_date(serial) == expected


@pytest.mark.parametrize("bad", [0, -5, 60, 3_000_000, float("inf"), True])
def test_to_date__impossible_serials_are_rejected(bad):
    with pytest.raises(BadArgument):
        coerce.to_date(bad)


@pytest.mark.parametrize("text, expected", [
    ("2025-08-26", datetime(2025, 8, 26)), ("2025/8/26", datetime(2025, 8, 26)),
    ("20250826", datetime(2025, 8, 26)), ("45895", datetime(2025, 8, 26)),
])
def test_to_date__text_forms(text, expected):
    assert coerce.to_date(text) == expected


def test_to_date__cells_and_blanks():
    assert coerce.to_date(datetime(2025, 8, 26, 15, 30)) == datetime(2025, 8, 26)
    assert coerce.to_date(date(2025, 8, 26)) == datetime(2025, 8, 26)
    assert coerce.to_date(None) is None and coerce.to_date("  ") is None


def test_to_date__ambiguous_text_is_an_error_not_a_guess():
    with pytest.raises(BadArgument, match='"08/26/2025" not understood'):
        coerce.to_date("08/26/2025")


def test_to_number__text_numbers_and_blanks():
    assert coerce.to_number("1,234.5", "x") == 1234.5
    assert coerce.to_number(None, "x", 90.0) == 90.0
    with pytest.raises(BadArgument, match="x is required"):
        coerce.to_number("", "x")
    with pytest.raises(BadArgument):
        coerce.to_number("abc", "x")


def test_to_bool__accepts_excel_forms():
    assert coerce.to_bool("TRUE", "h", False) is True
    assert coerce.to_bool(0, "h", True) is False
    assert coerce.to_bool(None, "h", True) is True
    with pytest.raises(BadArgument):
        coerce.to_bool("maybe", "h", True)


def test_to_series__one_column_range_is_positional():
    series = coerce.to_series([[1.0], [2.0], [None], [3.0]])
    assert list(series) == [1.0, 2.0, 3.0]
    assert series.attrs["positional"] is True


def test_to_series__two_column_range_is_sorted_by_date():
    series = coerce.to_series([[datetime(2025, 4, 8), 2432.02], [45754, 2288.66]])
    assert list(series.index) == [pd.Timestamp("2025-04-07"), pd.Timestamp("2025-04-08")]
    assert list(series) == [2288.66, 2432.02]


def test_to_series__wide_range_is_an_error():
    with pytest.raises(BadArgument, match="one column of values or two columns"):
        coerce.to_series([[1, 2, 3]])


def test_error_text__short_single_line():
    from udfs.decorator import error_text

    text = error_text("a\nvery " + "long " * 40)
    assert text.startswith("#N/A a very long") and len(text) == 80 and "\n" not in text


def test_udf__unexpected_exception_becomes_a_short_text_and_is_logged(monkeypatch, tmp_path):
    from udfs import decorator

    monkeypatch.setattr(decorator, "log_file", lambda: tmp_path / "jpflows.log")
    monkeypatch.setattr(decorator, "_log_ready", False)

    @decorator.udf(x="anything")
    def JP_BROKEN_FOR_TEST(x):
        """Example: =JP_BROKEN_FOR_TEST(1)"""
        return 1 / 0

    decorator.REGISTERED.pop("JP_BROKEN_FOR_TEST")
    assert JP_BROKEN_FOR_TEST(1) == "#N/A internal error; details in the jpflows log"
    for handler in list(decorator.log.handlers):
        handler.close()
        decorator.log.removeHandler(handler)
    assert "ZeroDivisionError" in (tmp_path / "jpflows.log").read_text(encoding="utf-8")


def test_low_high__a_values_only_range_reports_the_row_not_an_invented_date():
    import udfs

    prices = [[2482.06], [None], [2288.66], [2432.02]]
    assert udfs.JP_LOW(prices) == [[3, 2288.66]]
    assert udfs.JP_HIGH(prices) == [[1, 2482.06]]


def test_drawdown__across_zero_yields_is_refused_in_the_cell():
    import udfs

    text = udfs.JP_DRAWDOWN([[0.25], [-0.297], [-0.06]])
    assert text.startswith("#N/A drawdown") and "JP_CHANGE" in text
