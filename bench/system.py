"""Figures beyond one warm call: cold start, parsing, concurrent cold calls, a peer library."""

from __future__ import annotations

import io
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Callable

import pandas as pd
import requests

import udfs
from addin import api
from addin.sources import mof_jgb
from bench import PROJECT, data
from bench.harness import (engine_environment, fresh_engine, interpreter_environment,
                           median_seconds)
from bench.lookups import AS_OF, answered
from bench.report import Figure

COLD_TARGET_RATIO = 1.1
PARSE_TARGET_MS = 50.0
THREADS = 16
LOOKUP_CODE = ("import datetime, udfs; r = udfs.JP_VALUE('JGB10Y', datetime.datetime(2025, 8, 26));"
               "assert not isinstance(r, str), r")
BARE_CODE = "import xlwings, pandas"
IMPORT_CODE = "import udfs"
CACHE_LIBRARY_CODE = "import xlwings, pandas, requests_cache"


def _python_seconds(code: str, environ: dict[str, str]) -> float:
    """Wall time from starting a fresh interpreter until ``code`` has run (start-up included,
    as Excel pays it; the interpreter's shutdown afterwards is not, as Excel does not wait
    for it)."""
    started = time.perf_counter()
    child = subprocess.Popen([sys.executable, "-c", code + "\nprint('done', flush=True)"],
                             cwd=PROJECT, env=environ, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
    first = child.stdout.readline()
    elapsed = time.perf_counter() - started
    rest, errors = child.communicate(timeout=120)
    if child.returncode != 0 or "done" not in first + rest:
        raise RuntimeError(f"{code[:40]}... failed: {errors.strip()[-300:]}")
    return elapsed


def cold_start(engine_env: dict[str, str], runs: int, work: Path) -> Figure:
    """``import udfs`` + a first lookup from the persisted store, against bare imports.

    Two more interpreters (``import udfs`` alone; the bare imports plus ``requests_cache``)
    say where the time goes.
    """
    environ = interpreter_environment(engine_env, work)
    codes = (BARE_CODE, LOOKUP_CODE, IMPORT_CODE, CACHE_LIBRARY_CODE)
    for code in codes:  # the store holds the frame, and every module its bytecode, from here on
        _python_seconds(code, environ)
    times: dict[str, list[float]] = {code: [] for code in codes}
    for _ in range(runs):  # interleaved, so a busy moment on the machine hits each alike
        for code in codes:
            times[code].append(_python_seconds(code, environ))
    median = {code: statistics.median(found) for code, found in times.items()}
    value, baseline = median[LOOKUP_CODE], median[BARE_CODE]
    ratio = value / baseline
    note = (f"import udfs alone {median[IMPORT_CODE]:.3f} s; "
            f"'import xlwings, pandas, requests_cache' alone {median[CACHE_LIBRARY_CODE]:.3f} s")
    return Figure("cold start: import udfs + first JGB10Y lookup", value, "s", baseline,
                  "python -c 'import xlwings, pandas'", ratio, "× of baseline",
                  f"≤ {COLD_TARGET_RATIO:g}× of baseline", ratio <= COLD_TARGET_RATIO, note)


def parse_history(body: bytes, repeats: int) -> Figure:
    """``mof_jgb.parse_file`` on the full history against ``pandas.read_csv`` with defaults."""
    rows = len(mof_jgb.parse_file(body, mof_jgb.HISTORY_FILE))
    ours = median_seconds(lambda: mof_jgb.parse_file(body, mof_jgb.HISTORY_FILE), repeats) * 1e3
    plain = median_seconds(lambda: pd.read_csv(io.BytesIO(body)), repeats) * 1e3
    return Figure(f"parse MOF JGB history ({rows:,} rows × 15 tenors)", ours, "ms", plain,
                  "pandas.read_csv defaults", ours / plain, "× of baseline",
                  f"≤ {PARSE_TARGET_MS:g} ms", ours <= PARSE_TARGET_MS)


def at_once(calls: list[Callable[[], object]]) -> list[object]:
    """Run every call in its own thread, all released together by a barrier."""
    barrier = threading.Barrier(len(calls))
    results: list[object] = [None] * len(calls)

    def worker(i: int) -> None:
        barrier.wait()
        try:
            results[i] = calls[i]()
        except Exception as exc:  # kept, so the figure says what went wrong
            results[i] = f"#N/A {type(exc).__name__}: {exc}"

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def concurrency_ids() -> tuple[str, list[str], str]:
    """FRED ids for one shared series, one series per thread, and the plain-client baseline."""
    return "SAME", [f"EACH{i:02d}" for i in range(THREADS)], "PLAIN"


def concurrency_bodies() -> dict[str, bytes]:
    same, each, plain = concurrency_ids()
    dates = pd.bdate_range("2015-01-01", data.LAST_DAY)
    return {data.FRED.format(name): data.fred_file(name, dates, 2.0, 0.02, seed=i)
            for i, name in enumerate([same, *each, plain])}


def concurrency(server, work: Path, extra: dict[str, str]) -> list[Figure]:
    """16 threads on one cold series, then 16 threads on 16 cold series: requests counted."""
    same, each, plain = concurrency_ids()
    url = server.base + "/fred.stlouisfed.org/graph/fredgraph.csv?id=" + plain
    at_once([lambda: requests.get(url, timeout=20)] * THREADS)
    uncoordinated = server.count(data.FRED.format(plain))
    figures = []
    for label, ids in (("one series", [same] * THREADS), ("16 series", each)):
        with fresh_engine(engine_environment(server, work / f"cache-{len(set(ids))}", extra)):
            results = at_once([lambda i=i: udfs.JP_VALUE(f"FRED:{i}", AS_OF) for i in ids])
        counts = [server.count(data.FRED.format(i)) for i in sorted(set(ids))]
        failed = [r for r in results if not answered(r)]
        note = f"{len(failed)} threads answered {failed[0]!r}" if failed else ""
        value = max(counts)
        figures.append(Figure(
            f"{THREADS} concurrent cold calls, {label}: requests per series", value, "request(s)",
            uncoordinated, f"{THREADS} threads with plain requests.get", uncoordinated / value,
            "× fewer", "exactly 1", min(counts) == value == 1 and not failed, note))
    return figures


def peer(server, work: Path, repeats: int) -> Figure:
    """pandas-datareader's FRED reader against ``api.series``, one series fetched repeatedly."""
    try:
        from pandas_datareader.fred import FredReader
    except Exception as exc:  # not installed, or broken by the installed pandas
        return _no_peer(f"pandas-datareader not usable: {type(exc).__name__}: {exc}")
    mirrored = type("MirroredFred", (FredReader,), {
        "url": property(lambda self: server.base + "/fred.stlouisfed.org/graph/fredgraph.csv")})
    start = "1962-01-01"
    try:
        theirs = _total_ms(lambda: mirrored("DGS10", start=start, end=data.LAST_DAY).read(),
                           repeats)
    except Exception as exc:
        return _no_peer(f"pandas-datareader failed: {type(exc).__name__}: {str(exc)[:120]}")
    with fresh_engine(engine_environment(server, work / "cache-peer")):
        ours = _total_ms(lambda: api.series("FRED:DGS10", start, data.LAST_DAY), repeats)
    return Figure(f"peer: FRED DGS10 fetched {repeats} times, jpflows api.series", ours, "ms",
                  theirs, f"pandas-datareader FredReader × {repeats}", theirs / ours,
                  "× faster", "no slower than the peer", ours <= theirs)


def _no_peer(reason: str) -> Figure:
    return Figure("peer: pandas-datareader FRED", None, "ms", None, "", None, "", "n/a", None,
                  reason)


def _total_ms(call: Callable[[], object], repeats: int) -> float:
    started = time.perf_counter()
    for _ in range(repeats):
        call()
    return (time.perf_counter() - started) * 1e3
