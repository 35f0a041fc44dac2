"""Hostile data in well-formed files: dates out of order, a year file holding another year,
values no market ever printed, dates beyond what the engine can represent.

Each is refused as a layout change (the last good copy stays in use) or, for an argument, a clear
``BadArgument``; nothing reaches a cell as an internal error or a silently wrong number.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

import pandas as pd
import pytest

from addin import api
from addin.clock import FixedClock
from addin.config import Config
from addin.engine import Engine
from addin.errors import LayoutChanged, SourceUnavailable
from addin.sources import treasury
from tests.fixtures import fred as fred_files
from tests.fixtures import treasury as treasury_files
from tests.fixtures.hostile import Figures

SOFR_URL = "https://fred.stlouisfed.org/graph/fredgraph.csv?id=SOFR"
HEADER = ("Date", "10 Yr")

figures = Figures()


@pytest.fixture
def engine(engine_env):
    """An engine on 2025-12-20 that rechecks its files on every call."""
    made = Engine(replace(Config.from_env(), recheck_seconds=0),
                  clock=FixedClock(datetime(2025, 12, 20, 12)))
    api.use(made)
    yield made
    api.use(None)


def _year(rows: list[str]) -> bytes:
    return treasury_files.csv_file(HEADER, rows)


def test_yearly__a_2025_file_holding_2024_dates_is_refused(engine_env, engine):
    engine_env.serve(treasury.URL.format(year=2024), _year(["12/31/2024,4.58", "12/30/2024,4.55"]))
    engine_env.serve(treasury.URL.format(year=2025), _year(["01/02/2025,4.57", "12/31/2024,9.99"]))
    with figures.measure("treasury_2025_file_with_2024_dates", engine_env.total):
        history = api.series("UST10Y", "2024-12-01", "2025-12-31")
    assert history.loc["2024-12-31"] == 4.58  # the 2024 file's figure, not the stray row's
    assert 9.99 not in history.values
    with pytest.raises((LayoutChanged, SourceUnavailable), match="the 2025 file holds 2024-12-31"):
        engine.load("treasury", "2025")


def test_yearly__a_good_copy_is_kept_when_the_new_file_holds_another_year(engine_env, engine):
    engine_env.serve(treasury.URL.format(year=2025), _year(["01/02/2025,4.57"]))
    assert api.value("UST10Y", "2025-01-02") == 4.57
    engine_env.serve(treasury.URL.format(year=2025), _year(["01/02/2026,1.00", "01/02/2025,4.57"]))
    engine.fetcher.revalidate = True
    assert api.value("UST10Y", "2025-01-02") == 4.57
    engine.fetcher.revalidate = False
    record = engine.fetcher.records[treasury.URL.format(year=2025)]
    assert record.stale is True and "the 2025 file holds 2026-01-02" in record.error


def test_parse__dates_out_of_order_are_refused_not_searched(engine_env, engine, monkeypatch):
    from addin.sources import fred

    engine_env.serve(SOFR_URL, fred_files.current_layout("SOFR", [
        ("2025-09-26", "4.10"), ("2025-09-29", "4.20"), ("2025-09-30", "4.24")]))
    broken = fred.SOURCE.parse

    def reversed_parse(raw):  # a parser that forgets to sort, as a future one might
        return broken(raw).iloc[::-1]

    monkeypatch.setattr(fred.SOURCE, "parse", reversed_parse)
    with pytest.raises(LayoutChanged, match="dates out of order or repeated"):
        api.value("SOFR", "2025-09-29")


def test_column__unsorted_or_repeated_dates_cannot_make_a_column():
    from addin.column import Column

    dates = pd.DatetimeIndex(["2025-09-30", "2025-09-29", "2025-09-30"], name="date")
    with pytest.raises(LayoutChanged, match="out of order or repeated"):
        Column.of(pd.Series([1.0, 2.0, 3.0], index=dates))


def test_column__joined_pieces_are_strictly_ascending_and_unique():
    import numpy as np

    from addin.column import Column

    def piece(days, values):
        return Column.of(pd.Series(values, index=pd.DatetimeIndex(days, name="date")))

    joined = Column.joined([piece(["2025-01-02", "2025-01-03"], [1.0, 2.0]),
                            piece(["2024-12-31", "2025-01-03"], [0.5, 2.5])])
    assert (np.diff(joined.dates.astype("int64")) > 0).all()
    assert joined.numbers == [0.5, 1.0, 2.5]


# -- plausibility: a value no market ever printed is a changed layout, not a number -----------

@pytest.mark.parametrize("value", ["269", "-999", "1e9"])
def test_plausible__an_implausible_sofr_keeps_the_last_good_copy(engine_env, engine, value):
    engine_env.serve(SOFR_URL, fred_files.current_layout("SOFR", [("2025-09-30", "4.24")]))
    assert api.value("SOFR", "2025-09-30") == 4.24
    engine_env.serve(SOFR_URL, fred_files.current_layout("SOFR", [("2025-09-30", "4.24"),
                                                                   ("2025-10-01", value)]))
    with figures.measure(f"implausible_sofr_{value}", engine_env.total):
        outcome = api.refresh()
    assert "outside the plausible" in outcome["FRED SOFR"]
    assert outcome["FRED SOFR"].startswith("stale: ")
    assert api.value("SOFR") == 4.24  # data lost: none


def test_plausible__a_jgb_yield_in_basis_points_is_refused(engine_env, engine):
    from addin.sources import mof_jgb
    from tests.fixtures import mof_jgb as jgb_files

    in_bp = [row.replace(",1.268,", ",126.8,") for row in jgb_files.CURRENT_ROWS]
    assert in_bp != jgb_files.CURRENT_ROWS
    engine_env.serve(mof_jgb.HISTORY_URL, jgb_files.english_history())
    engine_env.serve(mof_jgb.CURRENT_URL, jgb_files.english_file(in_bp))
    assert api.value("JGB10Y", "2025-04-08") != 126.8  # the history answers without the bad day
    record = engine.fetcher.records[mof_jgb.CURRENT_URL]
    assert "10Y 126.8 on 2025-04-08 outside the plausible" in record.error
    assert engine.fetcher.store.get(mof_jgb.CURRENT_URL) is None  # never stored


def test_plausible__a_flow_in_the_wrong_unit_is_refused():
    from addin import frames
    from addin.sources import REGISTRY

    columns = pd.MultiIndex.from_tuples([("All", "Foreign:Equity", "net")],
                                        names=["market", "investor", "measure"])
    frame = pd.DataFrame([[2_511.0], [2_511_000_000.0]], columns=columns,
                         index=pd.DatetimeIndex(["2025-10-04", "2025-10-11"], name="date"))
    with pytest.raises(LayoutChanged, match="outside the plausible"):
        frames.verify(frame, REGISTRY["mof_weekly"], "")
    assert frames.verify(frame.iloc[:1], REGISTRY["mof_weekly"], "") is not None


def test_plausible__every_declared_series_and_flow_has_a_range():
    from addin.sources import REGISTRY

    missing = [spec.id for source in REGISTRY.sources() for spec in (*source.series, *source.flows)
               if getattr(spec, "plausible", None) is None]
    assert missing == []


# -- dates beyond what the engine can represent: a clear BadArgument, never an internal error --

EDGE_INDEXES = {
    "year_1_and_9999": [datetime(1, 1, 1), datetime(9999, 12, 31)],
    "excel_first_and_last": [datetime(1900, 1, 1), datetime(9999, 12, 31)],
    "nanosecond_edges": [pd.Timestamp("1677-09-22"), pd.Timestamp("2262-04-10")],
    "a_missing_date": [pd.Timestamp("2025-01-02"), pd.NaT],
    "a_date_twice": [pd.Timestamp("2025-01-02"), pd.Timestamp("2025-01-02")],
}
QUERIES = {
    "rally": lambda s: api.rally(s), "low": lambda s: api.low(s), "high": lambda s: api.high(s),
    "drawdown": lambda s: api.drawdown(s), "series": lambda s: api.series(s),
    "relative": lambda s: api.relative(s, s, "2000-01-03"),
    "change": lambda s: api.change(s, "2000-01-03"),
}


@pytest.mark.parametrize("query", QUERIES)
@pytest.mark.parametrize("index", EDGE_INDEXES)
def test_dates__a_given_series_beyond_the_engine_is_a_bad_argument(index, query):
    from addin.errors import BadArgument

    given = pd.Series([1.0, 2.0], index=pd.DatetimeIndex(EDGE_INDEXES[index]))
    with pytest.raises(BadArgument, match="range|date"):
        QUERIES[query](given)


@pytest.mark.parametrize("cells", [
    [[datetime(1900, 1, 1), 1.0], [datetime(9999, 12, 31), 2.0]],
    [[1, 1.0], [2958465, 2.0]],  # Excel's first and last serials
    [[datetime(2025, 1, 2), 1.0], [datetime(2025, 1, 2), 2.0]],
])
def test_dates__an_excel_range_beyond_the_engine_is_a_short_message(cells):
    import udfs

    for function in (udfs.JP_RALLY, udfs.JP_LOW, udfs.JP_DRAWDOWN):
        result = function(cells)
        assert isinstance(result, str) and result.startswith("#N/A"), (function, result)
        assert "internal error" not in result


def test_dates__a_range_where_an_id_belongs_is_a_short_message():
    import udfs

    for result in (udfs.JP_VALUE([[datetime(2025, 1, 2), 1.0]]),
                   udfs.JP_SPREAD([[datetime(2025, 1, 2), 1.0]], "JGB2Y")):
        assert result.startswith("#N/A") and "internal error" not in result, result


def test_dates__an_unsorted_given_series_is_read_in_date_order():
    given = pd.Series([3.0, 1.0, 2.0],
                      index=pd.DatetimeIndex(["2025-01-06", "2025-01-02", "2025-01-03"]))
    assert api.low(given) == (pd.Timestamp("2025-01-02"), 1.0)
    assert api.rally(given) == 2.0


@pytest.mark.parametrize("unit", ["ns", "us", "s"])
def test_dates__the_default_rally_window_near_the_first_representable_day(unit):
    index = pd.DatetimeIndex(["1678-01-02", "1678-01-03"]).as_unit(unit)
    assert api.rally(pd.Series([1.0, 2.0], index=index)) == 1.0
