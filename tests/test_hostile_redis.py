"""A hostile team Redis: values written by anyone else, forged copies, and a Redis that stalls.

A real ``redis-server`` (or, for a stall, a socket that accepts and never answers) stands in for the
team's cache. Entries written by anyone without ``JPFLOWS_CACHE_SECRET`` are refused, a garbage
value costs one download, and a stalled Redis costs one short timeout, not two per file.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from addin import api, persisted
from addin.cache import Store
from addin.config import Config
from tests.fixtures import fred as fred_files
from tests.fixtures.hostile import Figures
from tests.fixtures.redisd import redis_server, sofr, started  # noqa: F401 (fixtures)

redis = pytest.importorskip("redis")

PROJECT = Path(__file__).resolve().parents[1]
SOFR_URL = "https://fred.stlouisfed.org/graph/fredgraph.csv?id=SOFR"
SECRET = "team-seal-7f3a"
LOOKUP = """
import json, sys
from addin import api
print(json.dumps({"value": api.value("SOFR", "2025-09-30"), "info": api.info("SOFR")}))
"""

figures = Figures()


def _process(cache_url: str, tmp_path: Path, name: str, secret: str | None = None) -> dict:
    """One lookup in a new Python process sharing the Redis cache, with its own local folder."""
    env = {**os.environ, "JPFLOWS_CACHE": cache_url, "PYTHONPATH": str(PROJECT),
           "JPFLOWS_CACHE_DIR": str(tmp_path / f"local-{name}")}
    env.pop("JPFLOWS_CACHE_SECRET", None)
    if secret is not None:
        env["JPFLOWS_CACHE_SECRET"] = secret
    done = subprocess.run([sys.executable, "-c", LOOKUP], env=env, cwd=PROJECT,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def _entry_key(redis_server) -> bytes:
    client = redis_server.client()
    key = Store.key(SOFR_URL)
    assert client.exists(f"jpflows:{key}")
    return f"jpflows:{key}".encode()


def test_redis__a_seven_byte_value_costs_one_download_not_every_cell(redis_server, sofr, tmp_path):
    _process(redis_server.url(), tmp_path, "a")
    redis_server.client().set(_entry_key(redis_server), b"[1,2,3]")
    with figures.measure("redis_seven_bytes", sofr.total):
        assert _process(redis_server.url(), tmp_path, "b")["value"] == 4.24
    assert sofr.count(SOFR_URL) == 2
    assert _process(redis_server.url(), tmp_path, "c")["value"] == 4.24
    assert sofr.count(SOFR_URL) == 2  # the new download replaced the garbage


def test_redis__entries_written_without_the_secret_are_refused(redis_server, sofr, tmp_path):
    _process(redis_server.url(), tmp_path, "outsider")  # no secret: an unsealed entry
    with figures.measure("redis_unsealed_entry", sofr.total):
        assert _process(redis_server.url(), tmp_path, "a", SECRET)["value"] == 4.24
    assert sofr.count(SOFR_URL) == 2  # the unsealed copy was not trusted
    assert _process(redis_server.url(), tmp_path, "b", SECRET)["value"] == 4.24
    assert sofr.count(SOFR_URL) == 2  # sealed copies are shared by the team


def test_redis__a_forged_copy_is_refused_by_sealed_readers(redis_server, sofr, tmp_path):
    _process(redis_server.url(), tmp_path, "a", SECRET)
    client, key = redis_server.client(), _entry_key(redis_server)
    entry = json.loads(client.get(key))
    import base64

    forged = fred_files.current_layout("SOFR", [("2025-09-30", "9.99")])
    entry["_content"] = base64.b64encode(forged).decode()
    client.set(key, json.dumps(entry))
    assert _process(redis_server.url(), tmp_path, "b", SECRET)["value"] == 4.24
    assert _process(redis_server.url(), tmp_path, "c", "another-secret")["value"] == 4.24


@pytest.mark.parametrize("size", ["80MB", "200MB"])
def test_redis__a_huge_value_is_refused_before_it_is_decoded(redis_server, sofr, tmp_path,
                                                             monkeypatch, caplog, size):
    _process(redis_server.url(), tmp_path, "a")
    count = 40_000_000 if size == "80MB" else 100_000_000  # within and past any download's size
    redis_server.client().set(_entry_key(redis_server), b'{"a": [' + b"1," * count + b"1]}")
    monkeypatch.setenv("JPFLOWS_CACHE", redis_server.url())
    with figures.measure(f"redis_{size}_value", sofr.total):
        assert api.value("SOFR", "2025-09-30") == 4.24
    assert sofr.count(SOFR_URL) == 2
    assert "refused" in caplog.text


def test_seal__survives_the_round_trip_and_binds_every_part(tmp_path):
    from datetime import datetime, timezone

    from addin.cache import stored

    config = Config(cache_dir=tmp_path, cache_secret=SECRET)
    store = Store(config)
    copy = stored(SOFR_URL, b"body", {"ETag": '"v1"'}, datetime.now(timezone.utc), None)
    store.put(SOFR_URL, copy)
    assert store.get(SOFR_URL).content == b"body"
    read = store.backend.responses[store.key(SOFR_URL)]
    for change in (lambda r: setattr(r, "_content", b"bodx"),
                   lambda r: r.headers.__setitem__("ETag", '"v2"'),
                   lambda r: setattr(r, "expires", datetime(2999, 1, 1, tzinfo=timezone.utc))):
        fresh = store.backend.responses[store.key(SOFR_URL)]
        change(fresh)
        assert store.seal.problem(store.key(SOFR_URL), fresh) is not None
    assert store.seal.problem(store.key(SOFR_URL), read) is None


# -- a stalled Redis: accepted, never answered ------------------------------------------------

FRED_URL = "https://fred.stlouisfed.org/graph/fredgraph.csv?id={}"
SERIES = {"SOFR": ("SOFR", 4.24), "USDJPY": ("DEXJPUS", 150.25), "FRED:DGS5": ("DGS5", 3.7)}


@pytest.fixture
def three_series(engine_env, monkeypatch):
    for fred_id, value in SERIES.values():
        engine_env.serve(FRED_URL.format(fred_id),
                         fred_files.current_layout(fred_id, [("2025-09-30", str(value))]))
    monkeypatch.setenv("JPFLOWS_TIMEOUT", "5")  # the HTTP timeout: not what a cache waits
    api.use(None)
    yield engine_env
    api.use(None)


@pytest.fixture
def stalled_redis():
    from tests.fixtures.hostile import RawServer, silent

    server = RawServer(silent, read_request=False).start()
    yield server
    server.stop()


def _look_up_all() -> float:
    import time

    start = time.monotonic()
    assert [api.value(series, "2025-09-30") for series in SERIES] == [
        value for _, value in SERIES.values()]
    return time.monotonic() - start


def test_stalled_redis__costs_one_short_timeout_then_memory(stalled_redis, three_series,
                                                           monkeypatch):
    monkeypatch.setenv("JPFLOWS_CACHE", f"redis://127.0.0.1:{stalled_redis.port}/0")
    with figures.measure("redis_stalled_socket", three_series.total) as figure:
        held = _look_up_all()
    assert held < 3.0, held  # one 0.5 s cache timeout, not 2 x 4 x 5 s per file
    assert stalled_redis.connections <= 2
    figure.note = f"{stalled_redis.connections} connection(s) to the stalled Redis"
    api.engine().config  # the same engine, a recheck later: still no wait on the stalled Redis
    assert _look_up_all() < 1.0


def test_stalled_redis__debug_sleep_on_a_real_server_then_back(tmp_path, three_series, monkeypatch):
    import threading
    import time

    from addin import breaker

    server = started(tmp_path, None, "--enable-debug-command", "yes")
    try:
        monkeypatch.setenv("JPFLOWS_CACHE", server.url())
        monkeypatch.setattr(breaker, "OPEN_SECONDS", 1.0)
        sleeper = threading.Thread(target=lambda: server.client().execute_command(
            "DEBUG", "SLEEP", "2"))
        sleeper.start()
        time.sleep(0.2)  # the server is now asleep for two seconds
        with figures.measure("redis_debug_sleep", three_series.total):
            held = _look_up_all()
        assert held < 2.0, held
        sleeper.join()
        time.sleep(1.1)  # the breaker lets Redis be tried again
        # The parsed arrays kept on disk would answer without any cache: set them aside, so
        # the new engine has to go through the HTTP cache, and so to Redis.
        shutil.rmtree(Path(os.environ["JPFLOWS_CACHE_DIR"]) / persisted.FOLDER, ignore_errors=True)
        api.use(None)
        _look_up_all()
        assert server.client().exists(f"jpflows:{Store.key(FRED_URL.format('SOFR'))}")
    finally:
        server.stop()


def test_redis__garbage_after_a_clean_start_is_refused_too(redis_server, sofr, tmp_path,
                                                          monkeypatch, caplog):
    _process(redis_server.url(), tmp_path, "a")
    late = b'{"_content": "' + b"A" * 100_000 + b'", "a": [' + b"1," * 2_000_000 + b"1]}"
    redis_server.client().set(_entry_key(redis_server), late)
    monkeypatch.setenv("JPFLOWS_CACHE", redis_server.url())
    assert api.value("SOFR", "2025-09-30") == 4.24
    assert "commas and brackets" in caplog.text
