"""Two processes x eight threads hammering one SQLite cache with lookups and refreshes.

The short run is part of the default suite; the 60-second run is marked ``slow``::

    python -m pytest -m slow tests/test_stress.py

Each worker process reports how many lookups, refreshes and status calls it made and every
exception a caller saw; the test process counts the requests at the publisher, then checks in
offline mode that every file is still in the cache and the database is intact.
"""

from __future__ import annotations

import json
import logging
import os
import random
import sqlite3
import subprocess
import sys
import threading
import time
from collections import Counter
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

import pytest

from addin.sources import mof_jgb
from tests.fixtures import mof_jgb as jgb_files
from tests.fixtures.server import FaultServer

PROJECT = Path(__file__).resolve().parents[1]
PROCESSES, THREADS = 2, 8
DAY = "2025-09-30"
FRED_SERIES = {"SOFR": "SOFR", "USDJPY": "DEXJPUS", "FRED:DGS5": "DGS5", "FRED:DGS10": "DGS10",
               "FRED:DGS30": "DGS30"}
EXPECTED = {series: round(1 + i / 4, 2) for i, series in enumerate(FRED_SERIES)}
EXPECTED["USDJPY"] = 150.25  # yen per dollar: 1.25 would be outside its plausible range
EXPECTED["JGB10Y"] = 1.268
DAYS = {**{series: DAY for series in FRED_SERIES}, "JGB10Y": "2025-04-08"}
FRED_URL = "https://fred.stlouisfed.org/graph/fredgraph.csv?id={}"


def fred_body(fred_id: str, value: float) -> bytes:
    """About five years of daily rows, the last one ``DAY`` = ``value``."""
    last = date.fromisoformat(DAY)
    days = [last - timedelta(days=n) for n in range(1900, -1, -1)]
    other = 3.5 if value < 25 else value - 1  # the other days, in the series' own range
    rows = "".join(f"{day:%Y-%m-%d},{value if day == last else other}\n" for day in days)
    return f"observation_date,{fred_id}\n{rows}".encode("ascii")


def serve_all(server: FaultServer) -> list[str]:
    """Register every file the workers read; returns their publisher URLs."""
    urls = []
    for series, fred_id in FRED_SERIES.items():
        urls.append(FRED_URL.format(fred_id))
        server.serve(urls[-1], fred_body(fred_id, EXPECTED[series]))
    server.serve(mof_jgb.HISTORY_URL, jgb_files.english_history())
    server.serve(mof_jgb.CURRENT_URL, jgb_files.english_current())
    return urls + [mof_jgb.HISTORY_URL, mof_jgb.CURRENT_URL]


def worker(seconds: float, threads: int, seed: int) -> dict:
    """One process: ``threads`` threads of lookups (85%), refreshes (10%) and status (5%)."""
    from addin import api
    from addin.config import Config
    from addin.engine import Engine

    engine = Engine(replace(Config.from_env(), recheck_seconds=0))
    api.use(engine)
    warnings = _count_warnings()
    counts, errors, wrong = Counter(), [], []
    stop = time.monotonic() + seconds

    def run(number: int) -> None:
        pick = random.Random(seed * 100 + number)
        while time.monotonic() < stop:
            series, roll = pick.choice(sorted(EXPECTED)), pick.random()
            try:
                if roll < 0.10:
                    engine.refresh([("fred", FRED_SERIES.get(series, "SOFR"))])
                    counts["refreshes"] += 1
                elif roll < 0.15:
                    api.status()
                    counts["status"] += 1
                else:
                    value = api.value(series, DAYS[series])
                    counts["lookups"] += 1
                    if value != EXPECTED[series]:
                        wrong.append(f"{series}={value}")
            except Exception as exc:  # every exception a caller sees is a finding
                errors.append(f"{type(exc).__name__}: {exc}"[:200])

    pool = [threading.Thread(target=run, args=(n,)) for n in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    return {**counts, "errors": errors, "wrong": wrong, "warnings": warnings}


def _count_warnings() -> Counter:
    """Counts WARNING+ log records (cache trouble that was absorbed, not shown to a user)."""
    seen = Counter()

    class Tally(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            seen[record.getMessage()[:80]] += 1

    logging.getLogger().addHandler(Tally(logging.WARNING))
    return seen


def _main() -> None:
    seconds, threads, seed = float(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
    print(json.dumps(worker(seconds, threads, seed)))


def _run_workers(seconds: float, env: dict[str, str]) -> list[dict]:
    code = "import sys; from tests.test_stress import _main; _main()"
    procs = [subprocess.Popen([sys.executable, "-c", code, str(seconds), str(THREADS), str(n)],
                              env=env, cwd=PROJECT, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True)
             for n in range(PROCESSES)]
    results = []
    for proc in procs:
        out, err = proc.communicate(timeout=seconds + 300)
        assert proc.returncode == 0, err[-3000:]
        results.append(json.loads(out.strip().splitlines()[-1]))
    return results


def _cache_rows(cache_dir: Path) -> tuple[int, str]:
    db = sqlite3.connect(cache_dir / "http_cache.sqlite")
    try:
        rows = db.execute("SELECT COUNT(*) FROM responses").fetchone()[0]
        return rows, db.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        db.close()


def _offline_values(env: dict[str, str]) -> dict[str, float]:
    code = ("import json; from addin import api; "
            f"print(json.dumps({{s: api.value(s, d) for s, d in {DAYS!r}.items()}}))")
    done = subprocess.run([sys.executable, "-c", code], env={**env, "JPFLOWS_OFFLINE": "1"},
                          cwd=PROJECT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def hammer(seconds: float, tmp_path: Path) -> dict:
    """Run the whole scenario; returns the figures reported in docs/reliability.md."""
    server = FaultServer().start()
    try:
        urls = serve_all(server)
        env = {**os.environ, "JPFLOWS_CACHE": "sqlite", "JPFLOWS_CACHE_DIR": str(tmp_path),
               "JPFLOWS_MIRROR": server.mirror(), "JPFLOWS_OFFLINE": "0",
               "JPFLOWS_TIMEOUT": "10", "PYTHONPATH": str(PROJECT)}
        results = _run_workers(seconds, env)
        requests = server.total()
    finally:
        server.stop()
    totals = sum((Counter({k: v for k, v in r.items() if isinstance(v, int)}) for r in results),
                 Counter())
    rows, integrity = _cache_rows(tmp_path)
    return {**totals, "requests": requests, "files": len(urls), "rows": rows,
            "integrity": integrity, "offline": _offline_values(env),
            "errors": [e for r in results for e in r["errors"]],
            "wrong": [w for r in results for w in r["wrong"]],
            "warnings": sum((Counter(r["warnings"]) for r in results), Counter())}


def _check(figures: dict) -> None:
    print(json.dumps({k: v for k, v in figures.items() if k != "offline"}, default=str))
    assert figures["errors"] == []
    assert figures["wrong"] == []
    assert figures["lookups"] > 0 and figures["refreshes"] > 0
    assert figures["files"] <= figures["requests"] <= figures["lookups"] + 2 * figures["refreshes"]
    assert figures["rows"] == figures["files"]  # nothing lost, nothing duplicated
    assert figures["integrity"] == "ok"
    assert figures["offline"] == EXPECTED


def test_stress__two_processes_share_one_sqlite_cache_briefly(tmp_path):
    _check(hammer(3.0, tmp_path))


@pytest.mark.slow
def test_stress__two_processes_share_one_sqlite_cache_for_a_minute(tmp_path):
    _check(hammer(60.0, tmp_path))
