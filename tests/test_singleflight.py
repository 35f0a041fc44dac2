"""The cross-process download lock: one download per URL for processes sharing a Redis cache.

A real ``redis-server`` runs on a free loopback port; the tests skip only when it cannot start.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from addin import singleflight
from addin.config import Config
from tests.fixtures import fred as fred_files
from tests.fixtures.desk import PROJECT
from tests.fixtures.desk_fixtures import redis_server  # noqa: F401
from tests.fixtures.server import Reply, closed_port, slow

URL = "https://fred.stlouisfed.org/graph/fredgraph.csv?id=SOFR&api_key=abc123"
SOFR_URL = "https://fred.stlouisfed.org/graph/fredgraph.csv?id=SOFR"
LOOKUP = "from addin import api; print(api.value('SOFR', '2025-09-30'))"


def _config(tmp_path: Path, cache: str, timeout: float = 5.0) -> Config:
    return Config(cache_dir=tmp_path / "cache", cache=cache, timeout=timeout)


def test_flight__sqlite_cache_takes_no_lock(tmp_path):
    with singleflight.flight(_config(tmp_path, "sqlite"), URL) as held:
        assert held is False


def test_flight__redis_lock_is_held_and_released(redis_server, tmp_path):
    client = redis_server.client()
    with singleflight.flight(_config(tmp_path, redis_server.url()), URL) as held:
        assert held is True
        assert client.exists(singleflight.lock_name(URL)) == 1
    assert client.exists(singleflight.lock_name(URL)) == 0


def test_flight__lock_name_hides_the_url(redis_server, tmp_path):
    with singleflight.flight(_config(tmp_path, redis_server.url()), URL):
        names = [key.decode() for key in redis_server.client().keys("*")]
    assert names == [singleflight.lock_name(URL)]
    assert "abc123" not in names[0] and "fred" not in names[0]


def test_flight__second_holder_waits_for_the_first(redis_server, tmp_path):
    config = _config(tmp_path, redis_server.url())
    events: list[str] = []
    inside = threading.Event()

    def first() -> None:
        with singleflight.flight(config, URL):
            events.append("first in")
            inside.set()
            time.sleep(0.5)
            events.append("first out")

    thread = threading.Thread(target=first)
    thread.start()
    inside.wait(5)
    with singleflight.flight(config, URL) as held:
        events.append("second in")
    thread.join()
    assert held is True
    assert events == ["first in", "first out", "second in"]


def test_flight__a_crashed_holder_blocks_only_until_its_lock_lapses(redis_server, tmp_path):
    # A holder that died: its lock is never released, only its expiry frees it.
    redis_server.client().set(singleflight.lock_name(URL), b"dead-worker", px=700)
    with singleflight.flight(_config(tmp_path, redis_server.url()), URL) as held:
        assert held is True


def test_flight__a_holder_past_the_wait_is_not_waited_for(redis_server, tmp_path):
    redis_server.client().set(singleflight.lock_name(URL), b"slow-worker", ex=60)
    config = _config(tmp_path, redis_server.url(), timeout=0.1)
    with singleflight.flight(config, URL) as held:
        assert held is False  # the block ran anyway: one extra download, not a stuck cell


def test_flight__redis_unreachable_runs_the_block_without_a_lock(tmp_path):
    config = _config(tmp_path, f"redis://127.0.0.1:{closed_port()}/0", timeout=1)
    ran = False
    with singleflight.flight(config, URL) as held:
        ran = True
    assert ran and held is False


def test_flight__processes_sharing_redis_download_a_cold_file_once(redis_server, engine_env,
                                                                   tmp_path):
    body = fred_files.current_layout("SOFR", [("2025-09-30", "4.24")])
    engine_env.serve(SOFR_URL, slow(Reply(body), 1.0))  # all of them arrive while it downloads
    env = {**os.environ, "JPFLOWS_CACHE": redis_server.url(), "PYTHONPATH": str(PROJECT)}
    runs = [subprocess.Popen([sys.executable, "-c", LOOKUP], cwd=PROJECT, text=True,
                             env={**env, "JPFLOWS_CACHE_DIR": str(tmp_path / f"local-{i}")},
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE) for i in range(4)]
    outputs = [run.communicate(timeout=120) for run in runs]
    assert [out.strip() for out, _ in outputs] == ["4.24"] * 4, [err[-500:] for _, err in outputs]
    assert engine_env.count(SOFR_URL) == 1
