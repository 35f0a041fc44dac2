"""The in-memory memo: a warm lookup never re-parses, a changed file always does."""

from __future__ import annotations

from dataclasses import replace

import pytest

from addin import api
from addin.config import Config
from addin.engine import Engine
from addin.sources import REGISTRY
from tests.fixtures import fred as fred_files

SOFR = "https://fred.stlouisfed.org/graph/fredgraph.csv?id=SOFR"


@pytest.fixture
def counted(engine_env, monkeypatch):
    """An engine that rechecks the cache on every call, with the FRED parser counted."""
    fred = REGISTRY["fred"]
    calls = []
    original = fred.parse
    monkeypatch.setattr(fred, "parse", lambda raw: calls.append(1) or original(raw))
    api.use(Engine(replace(Config.from_env(), recheck_seconds=0)))
    yield engine_env, calls
    api.use(None)


def test_engine__unchanged_bytes_are_not_parsed_again(counted):
    server, calls = counted
    server.serve(SOFR, fred_files.current_layout("SOFR", [("2025-09-30", "4.24")]))
    for _ in range(5):
        assert api.value("SOFR", "2025-09-30") == 4.24
    assert len(calls) == 1 and server.count(SOFR) == 1


def test_engine__a_revised_file_replaces_the_old_vintage(counted):
    server, calls = counted
    server.serve(SOFR, fred_files.current_layout("SOFR", [("2025-09-30", "4.24")]))
    assert api.value("SOFR", "2025-09-30") == 4.24
    server.serve(SOFR, fred_files.current_layout("SOFR", [("2025-09-30", "4.25")]))
    api.refresh()
    assert api.value("SOFR", "2025-09-30") == 4.25
    assert len(calls) == 2


def test_engine__warm_lookups_within_the_recheck_window_touch_nothing(engine_env, monkeypatch):
    engine_env.serve(SOFR, fred_files.current_layout("SOFR", [("2025-09-30", "4.24")]))
    api.use(None)
    try:
        assert api.value("SOFR") == 4.24
        fetcher = api.engine().fetcher
        monkeypatch.setattr(fetcher, "get", lambda *a, **k: pytest.fail("cache read on a warm lookup"))
        assert api.value("SOFR", "2025-09-30") == 4.24
    finally:
        api.use(None)
