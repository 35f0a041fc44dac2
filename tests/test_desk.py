"""A desk's server at scale: uvicorn workers over one real Redis cache.

Every process here is real: ``redis-server``, ``jpflows serve --workers N`` (uvicorn) and a
local publisher stand-in behind ``JPFLOWS_MIRROR``. The long load run (200 clients for 30 s)
and its latency percentiles are in the benchmark (``jpflows bench``); here a few seconds of
load check that nothing fails.
"""

from __future__ import annotations

import json

import pytest

from bench import load
from bench.system import at_once
from tests.fixtures import fred as fred_files
from tests.fixtures.desk import DeskServer
from tests.fixtures.desk_data import DGS5, FRED_URL, engine_variables, serve_files
from tests.fixtures.desk_fixtures import redis_server  # noqa: F401
from tests.fixtures.server import PublisherServer, Reply, slow

COLD = FRED_URL.format("COLD")
CLIENTS = 50


@pytest.fixture
def files():
    server = serve_files(PublisherServer().start())
    yield server
    server.stop()


def _desk(tmp_path, files, redis_server, workers: int, name: str = "desk") -> DeskServer:
    variables = {**engine_variables(files, tmp_path / f"{name}-cache"),
                 "JPFLOWS_CACHE": redis_server.url(), "JPFLOWS_SERVER_RATE": "0"}
    return DeskServer(variables, tmp_path / f"{name}.log", workers).wait_ready()


def test_desk__50_cold_clients_across_workers_cause_one_upstream_request(
        tmp_path, files, redis_server):
    body = fred_files.current_layout("COLD", [("2025-09-30", "1.25")])
    files.serve(COLD, slow(Reply(body), 1.0))  # every client arrives while it downloads
    desk = _desk(tmp_path, files, redis_server, workers=3)
    try:
        answers = at_once([lambda: desk.request("POST", "/v1/call/JP_VALUE",
                                                 {"args": ["FRED:COLD", "2025-09-30"]})] * CLIENTS)
    finally:
        desk.stop()
    assert [(status, body["value"]) for status, body, _ in answers] == [(200, 1.25)] * CLIENTS
    assert len({headers["x-jpflows-worker"] for _, _, headers in answers}) >= 2
    assert files.count(COLD) == 1


def _expire_everything(client) -> int:
    """Make every cached response look past its expiry, as if hours had gone by."""
    changed = 0
    for key in client.keys("jpflows*"):
        if client.type(key) != b"string":
            continue
        stored = json.loads(client.get(key))
        if isinstance(stored, dict) and "expires" in stored:
            stored["expires"] = "2000-01-01T00:00:00"
            client.set(key, json.dumps(stored))
            changed += 1
    return changed


def test_desk__a_publisher_going_down_keeps_cached_values_flowing(tmp_path, files, redis_server):
    first = _desk(tmp_path, files, redis_server, workers=2, name="before")
    try:
        wanted = [first.call("JP_VALUE", "FRED:DGS5", "2025-09-02"),
                  first.call("JP_SERIES", "FRED:DGS5", "2025-08-29")]
    finally:
        first.stop()
    files.stop()  # the publisher is gone: connections are refused from here on
    assert _expire_everything(redis_server.client()) >= 1
    second = _desk(tmp_path, files, redis_server, workers=2, name="after")  # empty memory
    try:
        answers = at_once([lambda: [second.call("JP_VALUE", "FRED:DGS5", "2025-09-02"),
                                     second.call("JP_SERIES", "FRED:DGS5", "2025-08-29")]] * 20)
        states = {row["source"]: row["state"] for row in second.request("GET",
                                                                         "/v1/status")[1]["sources"]}
    finally:
        second.stop()
    assert wanted[0] == float(DGS5[3][1]) and answers == [wanted] * 20
    assert states["FRED"] in ("stale", "error")  # a status that says the copy is old


def test_desk__a_short_load_across_workers_has_no_errors(tmp_path, files, redis_server):
    desk = _desk(tmp_path, files, redis_server, workers=2)
    calls = [("JP_VALUE", ["FRED:DGS5", "2025-09-02"]), ("JP_VALUE", ["FRED:SOFR", None]),
             ("JP_SERIES", ["FRED:DGS5", "2025-08-29"]), ("JP_HEDGED_YIELD", [1.13, 0.48, 4.3])]
    expected = [desk.call(name, *args) for name, args in calls]
    try:
        result = load.run(desk.base, calls, clients=20, seconds=3, expected=expected)
    finally:
        desk.stop()
    assert result.errors == 0, result.first_error
    assert result.requests > 20 and len(result.latencies_ms) == result.requests
    assert files.count(FRED_URL.format("DGS5")) == files.count(FRED_URL.format("SOFR")) == 1
