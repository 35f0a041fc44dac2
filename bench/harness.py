"""A local publisher, a throw-away cache, and clocks for the benchmarks."""

from __future__ import annotations

import gc
import os
import statistics
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Iterator

import bench  # noqa: F401  (project root on sys.path for tests.fixtures)
from addin import api
from tests.fixtures.server import PublisherServer

ENGINE_VARIABLES = ("JPFLOWS_CACHE_DIR", "JPFLOWS_MIRROR", "JPFLOWS_CACHE", "JPFLOWS_OFFLINE",
                    "JPFLOWS_TIMEOUT")


@contextmanager
def publisher(bodies: dict[str, bytes]) -> Iterator[PublisherServer]:
    """A running local server answering each real URL with its bytes."""
    server = PublisherServer().start()
    for url, body in bodies.items():
        server.serve(url, body)
    try:
        yield server
    finally:
        server.stop()


def engine_environment(server: PublisherServer, cache_dir: Path,
                       extra: dict[str, str] | None = None) -> dict[str, str]:
    """The variables an engine needs to talk only to ``server`` and cache in ``cache_dir``."""
    return {"JPFLOWS_CACHE_DIR": str(cache_dir), "JPFLOWS_MIRROR": server.mirror(),
            "JPFLOWS_CACHE": "sqlite", "JPFLOWS_OFFLINE": "0", "JPFLOWS_TIMEOUT": "20",
            **(extra or {})}


@contextmanager
def fresh_engine(environ: dict[str, str]) -> Iterator[None]:
    """Set ``environ`` (dropping other user CSVs) and rebuild the process engine; restore after."""
    saved = {name: value for name, value in os.environ.items()
             if name in ENGINE_VARIABLES or name.startswith("JPFLOWS_CSV_")}
    for name in saved:
        del os.environ[name]
    os.environ.update(environ)
    api.use(None)  # the engine reads the environment when it is next used
    try:
        yield
    finally:
        for name in environ:
            os.environ.pop(name, None)
        os.environ.update(saved)
        api.use(None)


def interpreter_environment(environ: dict[str, str], work: Path) -> dict[str, str]:
    """The environment of a new interpreter as an installation runs it: bytecode is written on
    first import and read after (into ``work``, not the project), whatever this shell says."""
    found = {**os.environ, **environ, "PYTHONPYCACHEPREFIX": str(work / "bytecode")}
    found.pop("PYTHONDONTWRITEBYTECODE", None)
    return found


def call_times_ns(call: Callable[[], object], repeats: int) -> list[int]:
    """Nanoseconds of each of ``repeats`` calls, timed one by one (garbage collector paused)."""
    clock = time.perf_counter_ns
    times = []
    was_enabled = gc.isenabled()
    gc.disable()  # a collection landing inside one call would say nothing about that call
    try:
        for _ in range(repeats):
            started = clock()
            call()
            times.append(clock() - started)
    finally:
        if was_enabled:
            gc.enable()
    return times


def median_ns(call: Callable[[], object], repeats: int) -> float:
    return float(statistics.median(call_times_ns(call, repeats)))


def median_seconds(call: Callable[[], object], repeats: int) -> float:
    return median_ns(call, repeats) / 1e9
