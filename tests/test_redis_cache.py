"""A team cache in Redis: processes share downloads, and the password is never shown.

A real ``redis-server`` is started on a free loopback port for each test; the tests skip (saying
why) only when the binary is missing or the server does not start.
"""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest

from addin import api
from addin.errors import SourceUnavailable
from tests.fixtures.redisd import redis_server, sofr, started as _start  # noqa: F401
from tests.fixtures.server import closed_port

redis = pytest.importorskip("redis")

PROJECT = Path(__file__).resolve().parents[1]
SOFR_URL = "https://fred.stlouisfed.org/graph/fredgraph.csv?id=SOFR"
PASSWORD = "team-s3cret-pw"
LOOKUP = """
import json, logging, sys
logging.basicConfig(level=logging.DEBUG, stream=sys.stderr)
from addin import api
value = api.value("SOFR", "2025-09-30")
print(json.dumps({"value": value, "status": api.status(), "info": api.info("SOFR")}))
"""


@pytest.fixture
def locked_redis(tmp_path):
    server = _start(tmp_path, PASSWORD)
    yield server
    server.stop()


def _other_process(cache_url: str, tmp_path: Path, name: str) -> tuple[dict, str]:
    """Run one lookup in a new Python process with its own (empty) local cache directory."""
    env = {**os.environ, "JPFLOWS_CACHE": cache_url,
           "JPFLOWS_CACHE_DIR": str(tmp_path / f"local-{name}"), "PYTHONPATH": str(PROJECT)}
    done = subprocess.run([sys.executable, "-c", LOOKUP], env=env, cwd=PROJECT,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.strip().splitlines()[-1]), done.stdout + done.stderr


def test_redis__second_process_makes_no_request(redis_server, sofr, tmp_path):
    first, _ = _other_process(redis_server.url(), tmp_path, "a")
    second, _ = _other_process(redis_server.url(), tmp_path, "b")
    assert first["value"] == second["value"] == 4.24
    assert sofr.count(SOFR_URL) == 1


def test_redis__entries_are_json_never_pickle(redis_server, sofr, tmp_path):
    _other_process(redis_server.url(), tmp_path, "a")
    client = redis_server.client()
    keys = [key for key in client.keys("jpflows*") if client.type(key) == b"hash"]
    values = [value for key in keys for value in client.hvals(key)]
    values += [client.get(key) for key in client.keys("jpflows*") if client.type(key) == b"string"]
    responses = [json.loads(value) for value in values if value and value.startswith(b"{")]
    assert responses and all(not value.startswith(b"\x80") for value in values if value)
    assert any(item.get("status_code") == 200 for item in responses)


def test_redis__password_protected_cache_is_shared(locked_redis, sofr, tmp_path):
    _other_process(locked_redis.url(), tmp_path, "a")
    second, output = _other_process(locked_redis.url(), tmp_path, "b")
    assert second["value"] == 4.24
    assert sofr.count(SOFR_URL) == 1
    assert PASSWORD not in output  # stdout (status, info) and DEBUG logs of the whole process


def test_redis__password_not_in_status_info_or_logs(locked_redis, sofr, monkeypatch, caplog):
    caplog.set_level(logging.DEBUG)
    monkeypatch.setenv("JPFLOWS_CACHE", locked_redis.url())
    assert api.value("SOFR", "2025-09-30") == 4.24
    shown = json.dumps([api.status(), api.info("SOFR"), repr(api.engine().config)])
    assert "redis://:***@127.0.0.1" in shown
    assert PASSWORD not in shown and PASSWORD not in caplog.text


def test_redis__wrong_password_still_answers_without_showing_it(locked_redis, sofr, monkeypatch,
                                                                caplog):
    caplog.set_level(logging.DEBUG)
    monkeypatch.setenv("JPFLOWS_CACHE", locked_redis.url("not-the-" + PASSWORD))
    assert api.value("SOFR", "2025-09-30") == 4.24
    assert "cache redis://:***@" in caplog.text
    assert PASSWORD not in caplog.text and PASSWORD not in json.dumps(api.status())


def test_redis__server_gone_still_answers_from_publisher(redis_server, sofr, monkeypatch):
    monkeypatch.setenv("JPFLOWS_CACHE", redis_server.url())
    monkeypatch.setenv("JPFLOWS_TIMEOUT", "1")
    redis_server.stop()
    assert api.value("SOFR", "2025-09-30") == 4.24


def test_redis__server_gone_and_publisher_down_is_a_clear_message(redis_server, engine_env,
                                                                  monkeypatch):
    monkeypatch.setenv("JPFLOWS_CACHE", redis_server.url())
    monkeypatch.setenv("JPFLOWS_TIMEOUT", "1")
    monkeypatch.setenv("JPFLOWS_MIRROR", f"https://fred.stlouisfed.org=http://127.0.0.1:{closed_port()}")
    redis_server.stop()
    api.use(None)
    try:
        with pytest.raises(SourceUnavailable, match="FRED unreachable, nothing cached"):
            api.value("SOFR", "2025-09-30")
    finally:
        api.use(None)


def test_redis__expired_copies_are_kept_as_fallback(redis_server, sofr, tmp_path):
    _other_process(redis_server.url(), tmp_path, "a")
    client = redis_server.client()
    keys = client.keys("jpflows*")
    assert keys and all(client.ttl(key) == -1 for key in keys)  # -1: no expiry in Redis
