"""J-Quants API v2: TOPIX and JPX investor types (layout as documented only, key on the wire)."""

from __future__ import annotations

from datetime import datetime, timedelta

import pandas as pd
import pytest

from addin import api
from addin.errors import BadArgument, KeyMissing, LayoutChanged, SourceUnavailable
from addin.sources import jquants
from tests.fixtures import jquants as fx
from tests.fixtures import stooq as stooq_files
from tests.fixtures.fakes import FakeGet

TOPIX = "https://api.jquants.com/v2/indices/bars/daily/topix"
TYPES = "https://api.jquants.com/v2/equities/investor-types"
STOOQ_TOPIX = "https://stooq.com/q/d/l/?s=^tpx&i=d"
KEY = "jq-key-0042"


def test_parse__topix_bars():
    frame = jquants.parse(("topix", (fx.page(fx.topix_rows()),)))
    assert list(frame.columns) == ["Open", "High", "Low", "Close"]
    assert frame.loc["2025-04-07", "Close"] == 2288.66 and frame.index.name == "date"


def test_download__follows_pagination_keys():
    first, second = fx.topix_rows()[:2], fx.topix_rows()[2:]
    get = FakeGet({TOPIX: fx.page(first, "k1.2025-04-07"),
                   TOPIX + "?pagination_key=k1.2025-04-07": fx.page(second)})
    raw = jquants.download("topix", get)
    assert get.urls == [TOPIX, TOPIX + "?pagination_key=k1.2025-04-07"]
    assert all(call.check is jquants.check_page and call.expire == timedelta(hours=6)
               for call in get.calls)
    assert list(jquants.parse(raw)["Close"]) == [2482.06, 2288.66, 2432.02]


def test_download__unknown_key_asks_nothing():
    get = FakeGet(b"")
    with pytest.raises(BadArgument):
        jquants.download("daily", get)
    assert get.calls == []


def test_check__a_refusal_is_said_in_the_services_words():
    with pytest.raises(SourceUnavailable, match="J-Quants: This API is not available"):
        jquants.check_page(fx.refusal())


@pytest.mark.parametrize("body", [b"<html>maintenance</html>", b"[1, 2]", b'{"rows": []}',
                                  b'{"data": [1]}'])
def test_check__not_the_api_is_layout_changed(body):
    with pytest.raises(LayoutChanged):
        jquants.check_page(body)


def test_parse__investor_types_in_the_jpx_layout():
    rows = [fx.week("TSEPrime", "2026-09-07", "2026-09-11", "2026-09-17", fx.PRIME_FOREIGNERS),
            fx.week("TokyoNagoya", "2026-09-07", "2026-09-11", "2026-09-17",
                    (30_112_000_000, 30_455_552_189))]
    frame = jquants.parse(("investor-types", (fx.page(rows),)))
    week = frame.loc["2026-09-11"]
    assert week[("Prime", "Foreigners", "sell")] == pytest.approx(28_570.404573)
    assert week[("Prime", "Foreigners", "net")] == pytest.approx(-274.934243)
    assert week[("TokyoNagoya", "Foreigners", "net")] == pytest.approx(343.552189)
    # JPX's Financial Institutions and Institutions are the sums of their parts.
    parts = ("LifeNonlife", "CityRegionalBanks", "TrustBanks", "OtherFinancials")
    assert week[("Prime", "Banks", "buy")] == pytest.approx(
        sum(week[("Prime", p, "buy")] for p in parts))
    assert frame.columns.names == ["market", "investor", "measure"]


def test_parse__a_revised_week_keeps_the_newer_publication():
    old = fx.week("TSEPrime", "2026-09-07", "2026-09-11", "2026-09-17", (100, 200))
    new = fx.week("TSEPrime", "2026-09-07", "2026-09-11", "2026-10-01", (100, 900))
    frame = jquants.parse(("investor-types", (fx.page([new, old]),)))
    assert len(frame) == 1 and frame.iloc[0][("Prime", "Foreigners", "buy")] == 0.0009


@pytest.fixture
def keyed(tmp_path, monkeypatch, server):
    monkeypatch.setenv("JPFLOWS_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("JPFLOWS_MIRROR", server.mirror())
    for name in ("JPFLOWS_OFFLINE", "JPFLOWS_STOOQ_KEY", "JPFLOWS_JQUANTS_KEY"):
        monkeypatch.delenv(name, raising=False)
    api.use(None)
    yield server
    api.use(None)


def _engine_on(day: datetime) -> None:
    from addin.clock import FixedClock
    from addin.config import Config
    from addin.engine import Engine

    api.use(Engine(Config.from_env(), clock=FixedClock(day)))


def test_topix__without_any_key_names_every_setting(keyed):
    with pytest.raises(KeyMissing) as missing:
        api.value("TOPIX")
    assert str(missing.value) == (
        "TOPIX: set JPFLOWS_JQUANTS_KEY or JPFLOWS_STOOQ_KEY, or JPFLOWS_CSV_TOPIX")
    assert keyed.total() == 0


def test_topix__key_in_the_header_and_the_delay_in_jp_info(keyed, monkeypatch):
    monkeypatch.setenv("JPFLOWS_JQUANTS_KEY", KEY)
    keyed.serve(TOPIX, fx.page(fx.topix_rows()))
    _engine_on(datetime(2025, 7, 2, 12))
    assert api.value("TOPIX", "2025-04-07") == 2288.66
    [(_, headers)] = [seen for seen in keyed.seen if "jquants" in seen[0]]
    assert headers.get("x-api-key") == KEY
    info = api.info("TOPIX")
    assert info["origin"] == "J-Quants topix" and "12 weeks delayed" in info["note"]
    assert info["stale"] is True  # 86 days behind: said, not hidden
    assert KEY not in repr(info)


def test_topix__latest_is_the_fresher_of_j_quants_and_stooq(keyed, monkeypatch):
    monkeypatch.setenv("JPFLOWS_JQUANTS_KEY", KEY)
    monkeypatch.setenv("JPFLOWS_STOOQ_KEY", KEY + "s")
    keyed.serve(TOPIX, fx.page(fx.topix_rows()[:2]))  # delayed: ends 2025-04-07
    keyed.serve(STOOQ_TOPIX + "&apikey=" + KEY + "s", stooq_files.topix_csv())  # to 04-08
    _engine_on(datetime(2025, 4, 9, 12))
    assert api.observation("TOPIX") == (pd.Timestamp("2025-04-08"), 2432.02)
    assert api.info("TOPIX")["origin"] == "Stooq ^tpx"


def test_jpx_flow__j_quants_answers_when_the_jpx_site_is_down(keyed, monkeypatch):
    monkeypatch.setenv("JPFLOWS_JQUANTS_KEY", KEY)
    rows = [fx.week("TokyoNagoya", "2026-09-07", "2026-09-11", "2026-09-17",
                    (30_112_000_000, 30_455_552_189))]
    keyed.serve(TYPES, fx.page(rows))  # nothing served for www.jpx.co.jp: HTTP 404
    _engine_on(datetime(2026, 9, 18, 12))
    end, amount = api.flow("JPX:Foreigners")
    assert end == pd.Timestamp("2026-09-11") and amount == pytest.approx(343.552189)
    info = api.info("JPX:Foreigners")
    assert info["source"] == "J-Quants" and info["url"] == TYPES
    assert "12 weeks delayed" in info["note"]
