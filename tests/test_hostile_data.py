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
from tests.fixtures.server import Reply

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
