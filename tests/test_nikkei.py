"""Nikkei's official daily file: the keyless origin of NIKKEI225 (layout as documented only)."""

from __future__ import annotations

from datetime import datetime, timedelta

import pandas as pd
import pytest

from addin import api
from addin.errors import LayoutChanged, SourceUnavailable
from addin.sources import nikkei
from tests.fixtures import nikkei as fx
from tests.fixtures.fakes import FakeGet

STOOQ_NKX = "https://stooq.com/q/d/l/?s=^nkx&i=d"


def test_parse__close_comes_first_in_the_file():
    frame = nikkei.parse(fx.daily_csv())
    assert list(frame.columns) == ["Close", "Open", "High", "Low"]
    assert frame.loc["2025-04-07", "Close"] == 31136.58
    assert frame.loc["2025-04-04", "Close"] == 33780.58
    assert frame.loc["2025-04-08", "Open"] == 32296.93
    assert frame.loc["2025-04-07", "Low"] == 30792.74
    assert all(dtype == "float64" for dtype in frame.dtypes) and frame.index.name == "date"


def test_parse__japanese_twin_in_shift_jis_reads_the_same():
    pd.testing.assert_frame_equal(nikkei.parse(fx.daily_csv(japanese=True)),
                                  nikkei.parse(fx.daily_csv()))


def test_parse__without_note_and_with_lf_reads_the_same():
    pd.testing.assert_frame_equal(nikkei.parse(fx.daily_csv(note=False, newline="\n")),
                                  nikkei.parse(fx.daily_csv()))


def test_parse__rows_out_of_order_come_out_ascending():
    rows = [fx.APRIL_2025[2], fx.APRIL_2025[0]]
    assert list(nikkei.parse(fx.daily_csv(rows)).index.strftime("%Y-%m-%d")) == [
        "2025-04-03", "2025-04-07"]


@pytest.mark.parametrize("body, match", [
    (b"<!DOCTYPE html><html><body>Access denied</body></html>", "HTML page"),
    (b'"Date of Data","Volume"\r\n"2025/04/07","1"\r\n', "header"),
    (fx.daily_csv([]), "no days"),
    (fx.daily_csv([("2025/04/07", "n/a", "1", "1", "1")]), "'n/a'"),
    (fx.daily_csv([("07/04/2025", "1", "1", "1", "1")]), "no days"),
])
def test_parse__not_the_layout_is_layout_changed(body, match):
    with pytest.raises(LayoutChanged, match=match):
        nikkei.parse(body)


def test_parse__a_day_after_the_note_is_layout_changed():
    body = fx.daily_csv() + b'"2025/04/09","31714.03","1","1","1"\r\n'
    with pytest.raises(LayoutChanged, match="after the closing note"):
        nikkei.parse(body)


def test_download__one_file_checked_with_a_browser_user_agent():
    get = FakeGet(fx.daily_csv())
    assert nikkei.download("", get) == fx.daily_csv()
    [call] = get.calls
    assert call.url == nikkei.URL and call.expire == timedelta(hours=6)
    assert call.check(fx.daily_csv()).loc["2025-04-07", "Close"] == 31136.58
    assert nikkei.SOURCE.headers["User-Agent"].startswith("Mozilla/5.0")


def _engine_on(day: datetime) -> None:
    from addin.clock import FixedClock
    from addin.config import Config
    from addin.engine import Engine

    api.use(Engine(Config.from_env(), clock=FixedClock(day)))


def test_engine__nikkei225_from_nikkei_without_any_key(engine_env):
    engine_env.serve(nikkei.URL, fx.daily_csv())
    _engine_on(datetime(2025, 4, 9, 12))
    try:
        assert api.value("NIKKEI225", "2025-04-07") == 31136.58
        assert api.low("NIKKEI225", "2025-04-01", "2025-04-08") == (
            pd.Timestamp("2025-04-07"), 31136.58)
        assert engine_env.count(STOOQ_NKX) == 0  # the keyless origin answered: nothing else asked
        info = api.info("NIKKEI225")
        assert info["origin"] == "Nikkei" and info["url"] == nikkei.URL
        assert "about three years" in info["note"]
        assert info["first"] == "2025-04-03"  # no longer history answers here
    finally:
        api.use(None)


def test_engine__older_window_goes_past_nikkei_to_the_next_origin(engine_env):
    engine_env.serve(nikkei.URL, fx.daily_csv())
    _engine_on(datetime(2025, 4, 9, 12))
    try:
        with pytest.raises(SourceUnavailable):
            api.value("NIKKEI225", "2020-04-07")  # more than ~3 years back: not in Nikkei's file
    finally:
        api.use(None)
    assert engine_env.count(nikkei.URL) == 0
