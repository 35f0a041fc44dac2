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
from tests.fixtures import nyfed as nyfed_files

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


def test_answer__from_a_second_origin_holds_only_until_the_first_is_asked_again(engine_env):
    nyfed = ("https://markets.newyorkfed.org/api/rates/secured/sofr/search.json"
             "?startDate=2025-01-01&endDate=2025-12-31")
    engine_env.serve(nyfed, nyfed_files.search_json())  # FRED is not served: HTTP 404
    made = Engine(replace(Config.from_env(), recheck_seconds=60), clock=FixedClock(NOW))
    api.use(made)
    try:
        assert api.value("SOFR", "2025-09-30") == 4.24  # the New York Fed's
        engine_env.serve(SOFR, sofr("4.31"))
        made.clock.advance(120)  # FRED's failure is due again; the New York Fed's copy is fresh
        assert api.value("SOFR", "2025-09-30") == 4.31
    finally:
        api.use(None)


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


class Frame:
    """A stand-in for the engine's loaded frame: a key and a recheck time."""

    def __init__(self, recheck_at: float) -> None:
        self.key, self.recheck_at = ("src", "k"), recheck_at


def answers_over(frames: dict, now: list) -> Answers:
    return Answers(lambda: now[0], lambda: "today", lambda frame: frames[frame.key])


def test_answers__an_answer_built_from_another_holds_no_longer_than_it():
    frame, now = Frame(10.0), [0.0]
    answers = answers_over({frame.key: frame}, now)
    inner = lambda: answers.touched(frame) or "inner"  # noqa: E731
    outer = lambda: answers.get("inner", inner) + "+outer"  # noqa: E731
    assert answers.get("outer", outer) == "inner+outer"
    assert answers._found["outer"].until == 10.0  # the frame the inner answer read bounds both
    assert answers.get("outer", lambda: "again") == "inner+outer"


def test_answers__after_the_recheck_an_unchanged_frame_keeps_the_answer():
    frame, now = Frame(10.0), [11.0]
    frames = {frame.key: frame}
    answers = answers_over(frames, now)
    assert answers.get("x", lambda: answers.touched(frame) or 1) == 1
    frame.recheck_at = 71.0  # rechecked: the same frame, good for another minute
    assert answers.get("x", lambda: 2) == 1 and answers._found["x"].until == 71.0
    frames[frame.key] = Frame(200.0)  # rechecked: a new frame (the file changed)
    now[0] = 80.0
    assert answers.get("x", lambda: 3) == 3


def test_answers__reading_no_frame_holds_until_something_changes():
    answers = answers_over({}, [0.0])
    assert answers.get("pure", lambda: 1) == 1
    assert answers._found["pure"].until == math.inf
    answers.changed()
    assert answers.get("pure", lambda: 2) == 2


def test_jp_series__rows_of_python_dates_and_floats(engine):
    table = udfs.JP_SERIES("SOFR", "2025-09-01", "2025-09-30")
    assert table == [["Date", "SOFR"], [datetime(2025, 9, 26), 4.18],
                     [datetime(2025, 9, 29), 4.20], [datetime(2025, 9, 30), 4.24]]
    assert all(type(row[0]) is datetime and type(row[1]) is float for row in table[1:])
