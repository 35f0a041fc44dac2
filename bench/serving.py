"""The desk server under load: single-flight across workers, then many clients for a while.

``jpflows serve --workers 2`` runs over a real ``redis-server`` in front of the benchmark's local
publisher. Figures: upstream requests caused by a crowd of cold clients (against the same crowd
on workers sharing only a SQLite file, where no lock spans the processes), then errors and
latency percentiles of many keep-alive clients calling a monitoring sheet's formulas.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pandas as pd

from bench import data, load
from bench.harness import engine_environment
from bench.lookups import sheet_formulas
from bench.report import Figure
from bench.system import at_once
from tests.fixtures.desk import DeskServer, Unavailable, start_redis
from tests.fixtures.server import Reply, slow

WORKERS = 2
COLD_ID = "CROWD"
PUBLISHER_SECONDS = 0.5  # a publisher's answer time, as seen from a desk


@dataclass(frozen=True)
class Crowd:
    """How many clients, and for how long the load run lasts."""

    cold: int
    clients: int
    seconds: float


FULL = Crowd(cold=50, clients=200, seconds=30)
QUICK = Crowd(cold=10, clients=20, seconds=2)


def serve_cold(server) -> None:
    """The crowd's series, answered after a publisher's round trip, so the crowd overlaps it."""
    dates = pd.bdate_range("2020-01-01", data.LAST_DAY)
    for name in ("REDIS", "SQLITE"):
        body = data.fred_file(f"{COLD_ID}{name}", dates, 1.0, 0.01)
        server.serve(data.FRED.format(f"{COLD_ID}{name}"), slow(Reply(body), PUBLISHER_SECONDS))


def sheet_calls() -> list[load.Call]:
    """The monitoring sheet's formulas as JSON carries them (dates as ISO text)."""
    def wire(value):
        return value.strftime("%Y-%m-%d") if isinstance(value, datetime) else value

    return [(function.__name__, [wire(a) for a in args]) for function, args in sheet_formulas()]


def figures(server, work: Path, extra: dict[str, str], crowd: Crowd) -> list[Figure]:
    """Every desk-server figure, or one INFO figure saying why none could be measured."""
    try:
        redis_server = start_redis(work)
    except Unavailable as reason:
        return [Figure("desk server", None, "", None, "", None, "", "n/a", None, str(reason))]
    try:
        return _measure(server, work, extra, crowd, redis_server.url())
    except Unavailable as reason:
        return [Figure("desk server", None, "", None, "", None, "", "n/a", None, str(reason))]
    finally:
        redis_server.stop()


def _measure(server, work, extra, crowd, redis_url) -> list[Figure]:
    serve_cold(server)
    shared = _start(server, work, extra, "redis", {"JPFLOWS_CACHE": redis_url})
    try:
        lone = _crowd_requests(server, work, extra, crowd)
        together = _cold(server, shared, f"{COLD_ID}REDIS", crowd.cold)
        cold = _cold_figure(crowd, together, lone)
        calls = sheet_calls()
        warm_up = server.total()
        expected = [shared.call(name, *args) for name, args in calls]
        during = server.total()
        result = load.run(shared.base, calls, crowd.clients, crowd.seconds, expected)
        upstream = (during - warm_up, server.total() - during)
    finally:
        shared.stop()
    return [cold, *_load_figures(result, upstream, len(calls))]


def _start(server, work: Path, extra, name: str, cache: dict[str, str]) -> DeskServer:
    folder = Path(tempfile.mkdtemp(prefix=f"desk-{name}-", dir=work))
    variables = {**engine_environment(server, folder / "cache", extra), **cache,
                 "JPFLOWS_SERVER_RATE": "0"}  # every client of the run comes from one address
    return DeskServer(variables, folder / "serve.log", WORKERS).wait_ready()


def _cold(server, desk: DeskServer, series: str, clients: int) -> int:
    url = data.FRED.format(series)
    before = server.count(url)
    at_once([lambda: desk.request("POST", "/v1/call/JP_VALUE",
                                  {"args": [f"FRED:{series}", "2025-08-26"]})] * clients)
    return server.count(url) - before


def _crowd_requests(server, work, extra, crowd: Crowd) -> int:
    """The same cold crowd on workers that share a SQLite file: no lock spans the processes."""
    desk = _start(server, work, extra, "sqlite", {"JPFLOWS_CACHE": "sqlite"})
    try:
        return _cold(server, desk, f"{COLD_ID}SQLITE", crowd.cold)
    finally:
        desk.stop()


def _cold_figure(crowd: Crowd, together: int, lone: int) -> Figure:
    return Figure(f"desk server, {crowd.cold} concurrent cold clients over {WORKERS} workers: "
                  "upstream requests", together, "request(s)", lone,
                  f"{WORKERS} workers sharing only a SQLite file", lone / max(together, 1),
                  "× fewer", "exactly 1", together == 1)


def _load_figures(result: load.LoadResult, upstream: tuple[int, int],
                  formulas: int) -> list[Figure]:
    note = (f"{result.summary()}; {formulas} formulas in rotation; upstream requests: "
            f"{upstream[0]} while one client first asked each formula, {upstream[1]} during "
            "the run")
    if result.first_error:
        note += f"; first error: {result.first_error}"
    name = f"desk server, {result.clients} clients for {result.seconds:.0f} s"
    figures = [Figure(f"{name}: errors", result.errors, "error(s)", None, "", None, "",
                      "0 errors", result.errors == 0, note)]
    for share in (0.5, 0.95, 0.99):
        figures.append(Figure(f"{name}: latency p{share * 100:.0f}", result.percentile(share),
                              "ms", None, "", None, "", "reported", None))
    return figures
