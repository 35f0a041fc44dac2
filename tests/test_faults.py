"""Network faults end to end: FRED SOFR and the MOF JGB files against a misbehaving publisher.

Each fault is tried twice. With a good copy cached, a forced download fails and the last good
data is served, flagged stale (in this process and, through the cache, in the next), and the
cached copy stays as it was. With nothing cached, the user gets a short message naming the source.
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from addin import api
from addin.config import Config, parse_mirror
from addin.engine import Engine
from addin.errors import LayoutChanged, SourceUnavailable
from addin.http import Fetcher
from addin.transport import _CappedRetry
from udfs.messages import cell_message
from addin.sources import mof_jgb
from tests.fixtures import fred as fred_files
from tests.fixtures import mof_jgb as jgb_files
from tests.fixtures.server import ORIGINS, Reply, closed_port, slow

SOFR_URL = "https://fred.stlouisfed.org/graph/fredgraph.csv?id=SOFR"
JGB_URLS = (mof_jgb.HISTORY_URL, mof_jgb.CURRENT_URL)
TIMEOUT = 0.5


def _sofr() -> bytes:
    return fred_files.current_layout("SOFR", [("2025-09-29", "4.20"), ("2025-09-30", "4.24")])


def _refused(server, url, good):
    port = closed_port()
    return {"mirror": parse_mirror(";".join(f"{o}=http://127.0.0.1:{port}" for o in ORIGINS))}


def _serving(make_reply):
    def fault(server, url, good):
        server.serve(url, make_reply(good))
        return {}

    return fault


def _renamed(good: bytes) -> Reply:
    return Reply(good.replace(b",SOFR", b",SOFR_RATE").replace(b",10Y,", b",10YR,"))


FAULTS = {
    "refused": _refused,
    "timeout": _serving(lambda good: slow(Reply(good), TIMEOUT * 6)),
    "http_500": _serving(lambda good: Reply(b"Internal Server Error", 500)),
    "http_429": _serving(lambda good: Reply(b"slow down", 429, {"Retry-After": "3600"})),
    "truncated": _serving(lambda good: Reply(good[: len(good) // 2],
                                             headers={"Content-Length": str(len(good))})),
    "html_page": _serving(lambda good: Reply(b"<!DOCTYPE html><html><body>Maintenance</body>")),
    "empty_200": _serving(lambda good: Reply(b"")),
    "wrong_encoding": _serving(lambda good: Reply(good.decode("ascii").encode("utf-16"))),
    "renamed_column": _serving(_renamed),
}


@pytest.fixture
def publisher(server):
    """The local publisher, stopping quickly (it is started for each of many fault tests)."""
    return server


def _today(monkeypatch, day: str) -> None:
    """"Today" for the engine: the day after the fixtures' last observation, so that their
    latest value is not months old (which JP_INFO would rightly flag stale)."""
    from datetime import date, timedelta

    from addin.clock import Clock

    monkeypatch.setattr(Clock, "today", lambda self: date.fromisoformat(day) + timedelta(days=1))


@pytest.fixture
def fresh_api(engine_env, monkeypatch):
    _today(monkeypatch, "2025-10-01")
    monkeypatch.setenv("JPFLOWS_TIMEOUT", str(TIMEOUT))
    # Back-off between retries is not what these tests are about; Retry-After still waits.
    monkeypatch.setattr(_CappedRetry, "get_backoff_time", lambda self: 0)
    api.use(None)
    yield engine_env
    api.use(None)


def _use_engine(**changes) -> Engine:
    """An engine that rechecks its sources on every call (no in-memory grace period)."""
    engine = Engine(replace(Config.from_env(), recheck_seconds=0, **changes))
    api.use(engine)
    return engine


def _state(source: str) -> str:
    return next(row["state"] for row in api.status() if row["source"] == source)


SUBJECTS = {
    "fred": ("SOFR", "2025-09-30", 4.24, "FRED", {SOFR_URL: _sofr}),
    "mof_jgb": ("JGB10Y", "2025-04-08", 1.268, "MOF JGB",
                {mof_jgb.HISTORY_URL: jgb_files.english_history,
                 mof_jgb.CURRENT_URL: jgb_files.english_current}),
}


@pytest.mark.parametrize("fault", FAULTS)
@pytest.mark.parametrize("subject", SUBJECTS)
def test_fault__cached_copy_is_served_stale_and_kept(fresh_api, subject, fault, monkeypatch):
    series, day, expected, source, files = SUBJECTS[subject]
    _today(monkeypatch, day)
    for url, make in files.items():
        fresh_api.serve(url, make())
    _use_engine()
    assert api.value(series, day) == expected
    before = fresh_api.total()

    changes = {}
    for url, make in files.items():
        changes.update(FAULTS[fault](fresh_api, url, make()))
    engine = _use_engine(**changes)
    engine.fetcher.revalidate = True
    assert api.value(series, day) == expected
    engine.fetcher.revalidate = False
    assert api.info(series)["stale"] is True
    assert _state(source) == "stale"
    assert fresh_api.total() > before or fault == "refused"

    after_fault = fresh_api.total()
    api.use(None)  # a new process with the publisher still broken: the good copy answers
    assert api.value(series, day) == expected
    assert api.info(series)["stale"] is True  # the failure is kept with the cache
    assert fresh_api.total() == after_fault


@pytest.mark.parametrize("fault", FAULTS)
@pytest.mark.parametrize("subject", SUBJECTS)
def test_fault__empty_cache_gives_short_message_naming_source(fresh_api, subject, fault):
    series, day, _, source, files = SUBJECTS[subject]
    changes = {}
    for url, make in files.items():
        changes.update(FAULTS[fault](fresh_api, url, make()))
    _use_engine(**changes)
    with pytest.raises((SourceUnavailable, LayoutChanged)) as caught:
        api.value(series, day)
    message = cell_message(caught.value)  # the engine's sentence as the cell shows it
    assert source.split()[0] in message
    assert len(message) <= 75, message
    assert _state(source) == "error"


def test_fault__timeout_is_not_retried(fresh_api):
    fresh_api.serve(SOFR_URL, slow(Reply(_sofr()), TIMEOUT * 6))
    _use_engine()
    with pytest.raises(SourceUnavailable, match="FRED timed out, nothing cached"):
        api.value("SOFR", "2025-09-30")
    assert fresh_api.count(SOFR_URL) == 1


def test_fault__server_error_is_retried_then_given_up(fresh_api):
    fresh_api.serve(SOFR_URL, Reply(b"busy", 503))
    _use_engine()
    with pytest.raises(SourceUnavailable, match="FRED answered HTTP 503, nothing cached"):
        api.value("SOFR", "2025-09-30")
    assert fresh_api.count(SOFR_URL) == 4  # the first try and three retries


def test_fault__publisher_back_clears_the_stale_flag(fresh_api):
    fresh_api.serve(SOFR_URL, _sofr())
    engine = _use_engine()
    api.value("SOFR", "2025-09-30")
    fresh_api.serve(SOFR_URL, Reply(b"", 500))
    engine.fetcher.revalidate = True
    api.value("SOFR", "2025-09-30")
    assert api.info("SOFR")["stale"] is True
    fresh_api.serve(SOFR_URL, fred_files.current_layout("SOFR", [("2025-10-01", "4.30")]))
    assert api.value("SOFR") == 4.30
    assert api.info("SOFR")["stale"] is False
    assert _state("FRED") == "OK"


def test_fault__failed_refresh_stays_flagged_until_a_good_download(fresh_api):
    fresh_api.serve(SOFR_URL, _sofr())
    _use_engine()
    api.value("SOFR", "2025-09-30")
    fresh_api.serve(SOFR_URL, Reply(b"<html>down</html>"))
    outcome = api.refresh()
    assert outcome["FRED SOFR"] == "stale: FRED SOFR: got an HTML page, not CSV"
    api.value("SOFR", "2025-09-30")  # the copy is within its hour: no download, still doubted
    assert api.info("SOFR")["stale"] is True
    assert "HTML" in api.info("SOFR")["error"]


def test_fault__failure_is_not_retried_by_every_cell(fresh_api):
    fresh_api.serve(SOFR_URL, Reply(b"", 500))
    settings = Config.from_env()
    # The engine asks again on every call; the fetcher remembers the failure for a minute.
    api.use(Engine(replace(settings, recheck_seconds=0), fetcher=Fetcher(settings)))
    for _ in range(5):
        with pytest.raises(SourceUnavailable):
            api.value("SOFR", "2025-09-30")
    assert fresh_api.count(SOFR_URL) == 4  # one download and its retries, then remembered
