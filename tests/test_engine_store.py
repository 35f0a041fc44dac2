"""The engine and its persisted store: a new engine answers from it, a changed file is parsed again,
a damaged or foreign store file is a miss, and a fresh process never imports the HTTP layer."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import replace
from datetime import datetime, timezone
from pathlib import Path

import pytest

from addin import api
from addin.clock import FixedClock
from addin.config import Config
from addin.engine import Engine
from addin.sources import REGISTRY
from tests.fixtures import fred as fred_files

ROOT = Path(__file__).resolve().parents[1]
SOFR = "https://fred.stlouisfed.org/graph/fredgraph.csv?id=SOFR"
NOW = datetime(2026, 12, 1, 9, 0, tzinfo=timezone.utc)


@pytest.fixture
def parses(monkeypatch):
    """Every parse of the FRED source, counted."""
    fred, calls = REGISTRY["fred"], []
    original = fred.parse
    monkeypatch.setattr(fred, "parse", lambda raw: calls.append(1) or original(raw))
    return calls


def sofr(value: str) -> bytes:
    return fred_files.current_layout("SOFR", [("2025-09-29", "4.20"), ("2025-09-30", value)])


def new_engine(clock: FixedClock | None = None) -> Engine:
    engine = Engine(replace(Config.from_env(), recheck_seconds=0), clock=clock or FixedClock(NOW))
    api.use(engine)
    return engine


def files(engine: Engine, pattern: str) -> list[Path]:
    return sorted((engine.config.cache_dir / "arrays").rglob(pattern))


@pytest.fixture(autouse=True)
def _default_engine_after():
    yield
    api.use(None)


def test_store__a_new_engine_answers_without_the_http_layer(engine_env, parses):
    engine_env.serve(SOFR, sofr("4.24"))
    new_engine()
    assert api.value("SOFR", "2025-09-30") == 4.24
    second = new_engine()
    assert api.value("SOFR", "2025-09-30") == 4.24
    assert second.fetcher_if_built() is None  # nothing asked the HTTP cache, let alone SOFR
    assert len(parses) == 1 and engine_env.count(SOFR) == 1


def test_store__an_expired_copy_asks_the_http_layer_and_keeps_the_parse(engine_env, parses):
    engine_env.serve(SOFR, sofr("4.24"))
    clock = FixedClock(NOW)
    new_engine(clock)
    assert api.value("SOFR", "2025-09-30") == 4.24
    clock.advance(2 * 3600)  # FRED copies are fresh for an hour
    later = new_engine(clock)
    assert api.value("SOFR", "2025-09-30") == 4.24
    assert later.fetcher_if_built() is not None and engine_env.count(SOFR) == 2
    assert len(parses) == 1  # the same bytes again: the kept frame, not a second parse


def test_store__a_changed_file_has_a_new_fingerprint_and_is_parsed_again(engine_env, parses):
    engine_env.serve(SOFR, sofr("4.24"))
    clock = FixedClock(NOW)
    new_engine(clock)
    assert api.value("SOFR", "2025-09-30") == 4.24
    engine_env.serve(SOFR, sofr("4.31"))
    clock.advance(2 * 3600)
    engine = new_engine(clock)
    assert api.value("SOFR", "2025-09-30") == 4.31
    assert len(parses) == 2
    # Only the frame the head names is kept; the old vintage's arrays are gone.
    assert len(files(engine, "*.npz")) == 1
    assert new_engine(clock) and api.value("SOFR", "2025-09-30") == 4.31 and len(parses) == 2


def test_store__a_damaged_frame_file_is_parsed_again_and_rewritten(engine_env, parses):
    engine_env.serve(SOFR, sofr("4.24"))
    engine = new_engine()
    assert api.value("SOFR", "2025-09-30") == 4.24
    (npz,) = files(engine, "*.npz")
    npz.write_bytes(npz.read_bytes()[:100])
    new_engine()
    assert api.value("SOFR", "2025-09-30") == 4.24
    assert len(parses) == 2 and engine_env.count(SOFR) == 1  # re-parsed from the HTTP cache
    new_engine()
    assert api.value("SOFR", "2025-09-30") == 4.24 and len(parses) == 2  # rewritten whole


def test_store__a_foreign_head_is_not_trusted(engine_env, parses):
    engine_env.serve(SOFR, sofr("4.24"))
    engine_env.serve(SOFR.replace("SOFR", "DGS5"), fred_files.current_layout(
        "DGS5", [("2025-09-30", "3.70")]))
    engine = new_engine()
    assert api.value("SOFR", "2025-09-30") == 4.24
    assert api.value("FRED:DGS5", "2025-09-30") == 3.70
    heads = {path.name: path for path in files(engine, "*.head.json")}
    sofr_head = next(p for p in heads.values() if json.loads(p.read_text())["key"] == "SOFR")
    dgs5_head = next(p for p in heads.values() if json.loads(p.read_text())["key"] == "DGS5")
    sofr_head.write_bytes(dgs5_head.read_bytes())  # DGS5's head where SOFR's belongs
    later = new_engine()
    assert api.value("SOFR", "2025-09-30") == 4.24  # never answered from DGS5's frame
    # The head was not trusted: the HTTP cache was read, and its bytes found SOFR's own frame.
    assert later.fetcher_if_built() is not None and len(parses) == 2


def test_store__garbage_in_the_store_folder_never_breaks_a_lookup(engine_env):
    engine_env.serve(SOFR, sofr("4.24"))
    engine = new_engine()
    assert api.value("SOFR", "2025-09-30") == 4.24
    for path in files(engine, "*"):
        if path.is_file():
            path.write_bytes(os.urandom(300))
    new_engine()
    assert api.value("SOFR", "2025-09-30") == 4.24


def test_store__refresh_asks_the_publisher_although_the_store_is_fresh(engine_env, parses):
    engine_env.serve(SOFR, sofr("4.24"))
    new_engine()
    assert api.value("SOFR", "2025-09-30") == 4.24
    engine_env.serve(SOFR, sofr("4.30"))
    new_engine()
    api.refresh()
    assert api.value("SOFR", "2025-09-30") == 4.30 and engine_env.count(SOFR) == 2


def test_store__info_reports_the_fetch_time_from_the_store(engine_env):
    engine_env.serve(SOFR, sofr("4.24"))
    new_engine()
    fetched = api.info("SOFR")["last_fetch"]
    engine = new_engine()
    assert api.info("SOFR")["last_fetch"] == fetched is not None
    assert engine.fetcher_if_built() is None


FRESH_PROCESS = """
import sys, datetime, udfs
value = udfs.JP_VALUE("SOFR", datetime.datetime(2025, 9, 30))
loaded = sorted(name for name in sys.modules if name.split(".")[0] in
                ("requests", "requests_cache", "urllib3", "redis", "addin.http"))
print(value, loaded)
"""


def test_fresh_process__answers_from_the_store_without_importing_the_http_layer(engine_env):
    engine_env.serve(SOFR, sofr("4.24"))
    environ = {**os.environ, "PYTHONPATH": str(ROOT)}
    first = subprocess.run([sys.executable, "-c", FRESH_PROCESS], cwd=ROOT, env=environ,
                           capture_output=True, text=True, timeout=120)
    assert first.returncode == 0, first.stderr[-800:]
    assert first.stdout.split(" ", 1)[0] == "4.24" and "requests" in first.stdout
    second = subprocess.run([sys.executable, "-c", FRESH_PROCESS], cwd=ROOT, env=environ,
                            capture_output=True, text=True, timeout=120)
    assert second.returncode == 0, second.stderr[-800:]
    assert second.stdout.strip() == "4.24 []"


def test_store__per_user_beside_a_team_redis_cache(engine_env, monkeypatch, tmp_path, parses):
    from tests.test_redis_cache import _start

    engine_env.serve(SOFR, sofr("4.24"))
    redis_server = _start(tmp_path)
    try:
        monkeypatch.setenv("JPFLOWS_CACHE", redis_server.url())
        new_engine()
        assert api.value("SOFR", "2025-09-30") == 4.24
        again = new_engine()
        assert api.value("SOFR", "2025-09-30") == 4.24
        assert again.fetcher_if_built() is None  # answered without reaching Redis at all
        monkeypatch.setenv("JPFLOWS_CACHE_DIR", str(tmp_path / "another-user"))
        other = new_engine()
        assert api.value("SOFR", "2025-09-30") == 4.24
        assert other.fetcher_if_built() is not None and engine_env.count(SOFR) == 1  # via Redis
        assert files(other, "*.npz")  # that user keeps a store of their own
    finally:
        redis_server.stop()
