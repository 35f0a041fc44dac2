"""Figures of the persisted store: JPX's first backfill over a slow network, the first JPX flow in
a fresh process, and the size of the store for every source."""

from __future__ import annotations

import multiprocessing
import shutil
import statistics
import subprocess
import sys
import threading
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import requests

from addin import api
from addin.persisted import FOLDER, ParsedStore
from bench import PROJECT
from bench.harness import engine_environment, fresh_engine, interpreter_environment
from bench.report import Figure
from tests.fixtures.server import PublisherServer, Reply

BACKFILL_TARGET_S = 30.0
IN_FLIGHT_LIMIT = 4
FIRST_FLOW_TARGET_MS = 50.0
STORE_TARGET_MB = 50.0
FIRST_FLOW_CODE = """
import datetime, time, udfs
started = time.perf_counter()
answer = udfs.JP_FLOW("JPX:Foreigners", datetime.datetime(2026, 5, 15))
elapsed = time.perf_counter() - started
assert not isinstance(answer, str), answer
print(elapsed)
"""


class Latency:
    """Routes that answer after a delay, counting how many are being answered at once."""

    def __init__(self, seconds: float) -> None:
        self.seconds, self.now, self.most = seconds, 0, 0
        self._lock = threading.Lock()

    def route(self, body: bytes):
        def answer() -> Reply:
            with self._lock:
                self.now += 1
                self.most = max(self.most, self.now)
            time.sleep(self.seconds)
            with self._lock:
                self.now -= 1
            return Reply(body)

        return answer


class _Remote:
    """A publisher server running in another process: its address and its mirror setting."""

    def __init__(self, base: str, mirror: str) -> None:
        self.base, self._mirror = base, mirror

    def mirror(self) -> str:
        return self._mirror


def _serve(bodies: dict[str, bytes], seconds: float, connection) -> None:
    """The child process: serve ``bodies`` late until told to stop, then report what it saw."""
    latency = Latency(seconds)
    server = PublisherServer().start()
    for url, body in bodies.items():
        server.serve(url, latency.route(body))
    connection.send((server.base, server.mirror()))
    connection.recv()
    connection.send((server.total(), latency.most))
    server.stop()


@contextmanager
def slow_publisher(bodies: dict[str, bytes], seconds: float) -> Iterator[tuple[_Remote, dict]]:
    """A slow publisher in its own process, as a real one is: its threads do not wait for the
    GIL while the engine parses. Yields the server and, once stopped, its counts."""
    context = multiprocessing.get_context("spawn")
    ours, theirs = context.Pipe()
    child = context.Process(target=_serve, args=(bodies, seconds, theirs), daemon=True)
    child.start()
    counts: dict[str, int] = {}
    try:
        yield _Remote(*ours.recv()), counts
    finally:
        ours.send("stop")
        counts["requests"], counts["most"] = ours.recv()
        child.join(timeout=30)


def backfill(bodies: dict[str, bytes], cache: Path, seconds: float) -> Figure:
    """The first ``JP_FLOW("JPX:Foreigners")`` on an empty cache, every answer ``seconds`` late.

    Baseline: the same requests one after another (their number times one request's time).
    """
    with slow_publisher(bodies, seconds) as (server, counts):
        index = server.base + "/www.jpx.co.jp/markets/statistics-equities/investor-type/index.html"
        one = statistics.median(_request_seconds(index) for _ in range(5))
        with fresh_engine(engine_environment(server, cache)):
            started = time.perf_counter()
            answer = api.flow("JPX:Foreigners")
            elapsed = time.perf_counter() - started
    asked, most = counts["requests"] - 5, counts["most"]
    files = sum(url.endswith((".xls", ".xlsx")) for url in bodies)
    note = (f"{files} weekly files and {len(bodies) - files} pages, {asked} requests, at most "
            f"{most} in flight (all, timing requests included); latest week {answer[0]:%Y-%m-%d}")
    return Figure(f"first JPX backfill at {seconds * 1e3:.0f} ms latency", elapsed, "s",
                  asked * one, "the same requests one after another", asked * one / elapsed,
                  "× faster", f"≤ {BACKFILL_TARGET_S:g} s, ≤ {IN_FLIGHT_LIMIT} in flight",
                  elapsed <= BACKFILL_TARGET_S and most <= IN_FLIGHT_LIMIT, note)


def _request_seconds(url: str) -> float:
    started = time.perf_counter()
    requests.get(url, timeout=30).raise_for_status()
    return time.perf_counter() - started


def first_flow(environ: dict[str, str], cache: Path, runs: int, work: Path) -> Figure:
    """The first JPX flow of a fresh process from the store, against the same process that
    must parse every cached file (the store folder removed)."""
    environ = interpreter_environment(environ, work)
    _first_flow_seconds(environ)  # bytecode written from here on
    kept = [_first_flow_seconds(environ) for _ in range(runs)]
    parsed = []
    for _ in range(max(1, runs // 3)):
        bare = cache.with_name(cache.name + "-without-store")
        shutil.rmtree(bare, ignore_errors=True)
        shutil.copytree(cache, bare, ignore=shutil.ignore_patterns(FOLDER))
        parsed.append(_first_flow_seconds({**environ, "JPFLOWS_CACHE_DIR": str(bare)}))
        shutil.rmtree(bare, ignore_errors=True)
    value, baseline = statistics.median(kept) * 1e3, statistics.median(parsed) * 1e3
    return Figure("first JPX flow in a fresh process", value, "ms", baseline,
                  "the same, parsing the cached files", baseline / value, "× faster",
                  f"≤ {FIRST_FLOW_TARGET_MS:g} ms", value <= FIRST_FLOW_TARGET_MS,
                  "time of the call alone; the import is the cold-start figure")


def _first_flow_seconds(environ: dict[str, str]) -> float:
    done = subprocess.run([sys.executable, "-c", FIRST_FLOW_CODE], cwd=PROJECT,
                          env=environ, capture_output=True, text=True,
                          timeout=900)
    if done.returncode != 0:
        raise RuntimeError(f"first JPX flow failed: {done.stderr.strip()[-300:]}")
    return float(done.stdout.split()[-1])


def store_size(environ: dict[str, str], cache: Path, keys: list[tuple[str, str]]) -> Figure:
    """Bytes of the persisted store once every key is loaded, against the HTTP cache's."""
    failed = []
    with fresh_engine(environ):
        engine = api.engine()
        for source_id, key in keys:
            try:
                engine.load(source_id, key)
            except Exception as exc:  # noted on the figure, which then misses
                failed.append(f"{source_id} {key}: {exc}")
    store_mb = ParsedStore(cache / FOLDER).size() / 1e6
    http_mb = sum(path.stat().st_size for path in cache.glob("http_cache.sqlite*")) / 1e6
    note = "; ".join(failed)[:300] or f"{len(keys)} file sets of {len({s for s, _ in keys})} sources"
    return Figure("persisted store for every source", store_mb, "MB", http_mb,
                  "the HTTP cache of the same files", store_mb / http_mb, "× of baseline",
                  f"≤ {STORE_TARGET_MB:g} MB", store_mb <= STORE_TARGET_MB and not failed, note)
