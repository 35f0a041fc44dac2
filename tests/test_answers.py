"""Remembered answers: served again only while the frames they read hold, never when stale."""

from __future__ import annotations

import math
from dataclasses import replace
from datetime import datetime, timezone

import pandas as pd
import pytest

import udfs
from addin import api
from addin.answers import Answers
from addin.clock import FixedClock
from addin.config import Config
from addin.engine import Engine
from addin.errors import NoData
from tests.fixtures import fred as fred_files

SOFR = "https://fred.stlouisfed.org/graph/fredgraph.csv?id=SOFR"
NOW = datetime(2026, 12, 1, 9, 0, tzinfo=timezone.utc)


def sofr(value: str) -> bytes:
    return fred_files.current_layout("SOFR", [("2025-09-26", "4.18"), ("2025-09-29", "4.20"),
                                              ("2025-09-30", value)])


@pytest.fixture
def engine(engine_env):
    engine_env.serve(SOFR, sofr("4.24"))
    clock = FixedClock(NOW)
    made = Engine(replace(Config.from_env(), recheck_seconds=60), clock=clock)
    api.use(made)
    yield made
    api.use(None)


def test_answer__served_again_without_reading_any_frame(engine, monkeypatch):
    assert api.value("SOFR", "2025-09-30") == 4.24
    monkeypatch.setattr(engine, "column", lambda *a, **k: pytest.fail("frame read again"))
    assert api.value("SOFR", "2025-09-30") == 4.24


def test_answer__computed_again_once_its_frame_is_due(engine, engine_env):
    assert api.value("SOFR", "2025-09-30") == 4.24
    engine_env.serve(SOFR, sofr("4.31"))
    engine.clock.advance(2 * 3600)  # past the recheck window and the copy's hour of freshness
    assert api.value("SOFR", "2025-09-30") == 4.31


def test_answer__a_refresh_that_changes_the_frame_voids_it(engine, engine_env):
    assert api.value("SOFR", "2025-09-30") == 4.24
    engine_env.serve(SOFR, sofr("4.35"))
    api.refresh()
    assert api.value("SOFR", "2025-09-30") == 4.35


def test_answer__a_failure_is_not_remembered(engine, engine_env):
    with pytest.raises(NoData):
        api.value("SOFR", "2025-01-02")
    assert api.value("SOFR", "2025-09-29") == 4.20


def test_table__each_caller_gets_its_own_copy(engine):
    first = api.series("SOFR", "2025-09-01")
    first.iloc[0] = -1.0
    assert api.series("SOFR", "2025-09-01").iloc[0] == 4.18


def test_answer__a_range_argument_is_computed_every_time(engine):
    prices = pd.Series([1.0, 2.0, 4.0], index=pd.DatetimeIndex(["2025-01-01", "2025-01-02",
                                                               "2025-01-03"]))
    assert api.change(prices, "2025-01-01", "2025-01-03") == pytest.approx(3.0)
    prices.iloc[-1] = 8.0
    assert api.change(prices, "2025-01-01", "2025-01-03") == pytest.approx(7.0)


def test_answers__an_answer_built_from_another_holds_no_longer_than_it():
    now = [0.0]
    answers = Answers(lambda: now[0])
    inner = lambda: answers.touched(10.0) or "inner"  # noqa: E731
    outer = lambda: answers.get("inner", inner) + "+outer"  # noqa: E731
    assert answers.get("outer", outer) == "inner+outer"
    assert answers._found["outer"][1] == 10.0  # the frame the inner answer read bounds both
    now[0] = 10.0
    calls = []
    assert answers.get("outer", lambda: calls.append(1) or "again") == "again" and calls


def test_answers__reading_no_frame_holds_until_something_changes():
    answers = Answers(lambda: 0.0)
    assert answers.get("pure", lambda: 1) == 1
    assert answers._found["pure"][1] == math.inf
    answers.changed()
    assert answers.get("pure", lambda: 2) == 2


def test_jp_series__rows_of_python_dates_and_floats(engine):
    table = udfs.JP_SERIES("SOFR", "2025-09-01", "2025-09-30")
    assert table == [["Date", "SOFR"], [datetime(2025, 9, 26), 4.18],
                     [datetime(2025, 9, 29), 4.20], [datetime(2025, 9, 30), 4.24]]
    assert all(type(row[0]) is datetime and type(row[1]) is float for row in table[1:])
