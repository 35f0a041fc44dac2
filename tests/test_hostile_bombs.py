"""Text bombs: files within the download cap that would expand past any memory when parsed.

64 MiB of ``1,`` is 33 million cells (a CSV parser went past 7 GB on it); 4 million short rows
or one 64 MiB quoted cell cost 400 to 700 MB. Every text source refuses such a file before its
parser sees it, as a changed layout, naming what was too large. (JPX's workbooks bring their own
limits; see the JPX tests.)
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from addin import api, frames
from addin.errors import LayoutChanged, SourceUnavailable
from addin.sources import REGISTRY
from tests.fixtures import fred as fred_files
from tests.fixtures.hostile import Figures

TEXT_SOURCES = [source_id for source_id in REGISTRY.ids() if REGISTRY[source_id].shape]
SOFR_URL = "https://fred.stlouisfed.org/graph/fredgraph.csv?id=SOFR"
BOMBS = {
    "too_many_bytes": (lambda: b"date,value\n" + b"2025-09-30,4.24\n" * 1_200_000, "bytes"),
    "too_many_cells": (lambda: b"date,value\n" + b"1," * 1_500_000, "cells"),
    "too_many_lines": (lambda: b"date,value\n" + b"\n" * 1_500_000, "cells"),
    "one_huge_line": (lambda: b'date,value\n"' + b"x" * 200_000 + b'"', "line"),
}

figures = Figures()


def test_every_source_but_the_workbook_one_declares_text_limits():
    assert set(REGISTRY.ids()) - set(TEXT_SOURCES) == {"jpx"}


@pytest.mark.parametrize("bomb", BOMBS)
@pytest.mark.parametrize("source_id", TEXT_SOURCES)
def test_bomb__is_refused_before_the_parser_sees_it(source_id, bomb):
    make, limit = BOMBS[bomb]
    source = REGISTRY[source_id]
    seen = []
    check = frames.guarded(lambda body: seen.append(body), source, "")
    with pytest.raises(LayoutChanged, match=limit):
        check(make())
    assert seen == []


def test_bomb__a_download_keeps_the_last_good_copy(engine_env):
    engine_env.serve(SOFR_URL, fred_files.current_layout("SOFR", [("2025-09-30", "4.24")]))
    api.use(None)
    try:
        assert api.value("SOFR", "2025-09-30") == 4.24
        engine_env.serve(SOFR_URL, b"observation_date,SOFR\n" + b"1," * 30_000_000)
        with figures.measure("csv_bomb_60MB_of_cells", engine_env.total) as figure:
            outcome = api.refresh()
        assert outcome["FRED SOFR"].startswith("stale: ") and "bytes" in outcome["FRED SOFR"]
        assert api.value("SOFR", "2025-09-30") == 4.24
        figure.note = outcome["FRED SOFR"]
    finally:
        api.use(None)


def test_bomb__a_huge_local_csv_is_not_read(engine_env, tmp_path, monkeypatch):
    huge = tmp_path / "desk.csv"
    with huge.open("wb") as out:  # sparse: 65 MiB on paper, nothing on disk
        out.write(b"date,value\n")
        out.truncate(65 * 1024 * 1024)
    monkeypatch.setenv("JPFLOWS_CSV_DESK", str(huge))
    api.use(None)
    try:
        with pytest.raises((LayoutChanged, SourceUnavailable), match="larger than"):
            api.value("DESK")
    finally:
        api.use(None)
    assert os.path.getsize(huge) > 64 * 1024 * 1024
    assert Path(huge).exists()


# -- at the limits, every text parser stays within 256 MB --------------------------------------

MEMORY_BUDGET_MB = 256
PARSE_AT_LIMIT = """
import json, resource, sys, time
from datetime import date
from addin import frames
from addin.sources import REGISTRY
source_id, kind = sys.argv[1], sys.argv[2]
source, shape = REGISTRY[source_id], REGISTRY[source_id].shape
# Each source's header, then rows up to the limit: every parser reads them, most refuse them
# somewhere in the body (repeated dates, a foreign layout), user CSV and Stooq parse them all.
head = {"fred": b"observation_date,SOFR\\n", "treasury": b'Date,"1 Mo","10 Yr"\\n',
        "stooq": b"Date,Open,High,Low,Close,Volume\\n", "csv": b"date,value\\n",
        "mof_jgb": b"Interest Rate\\r\\nDate,1Y,2Y,3Y,4Y,5Y,6Y,7Y,8Y,9Y,10Y,15Y,20Y,25Y,30Y,40Y\\r\\n",
        }.get(source_id, b"date,value\\n")
if kind == "cells":  # as many short rows as the cell limit lets through
    row = b"2025-09-30,4.24\\n"
    body = head + row * (shape.max_cells // 2 - 10)
else:  # as many of the longest lines as the size limit lets through
    line = b"2025-09-30," + b"9" * (shape.max_line - 100) + b"\\n"
    body = head + line * ((shape.max_bytes - 100) // len(line))
key = "https://example.com/desk.csv" if source_id == "csv" else source.probe_key(date.today()) or ""

def get(url, *, check=None, **_):  # the download's own check, run as the engine runs it
    guarded = frames.guarded(check, source, key)
    if guarded is not None:
        guarded(body)
    return body

before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
start = time.perf_counter()
try:
    source.parse(source.download(key, get))
    outcome = "parsed"
except Exception as error:
    outcome = f"{type(error).__name__}: {str(error)[:80]}"
added = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
print(json.dumps({"outcome": outcome, "mb": added, "seconds": time.perf_counter() - start}))
"""


def _parse_at_limit(source_id: str, kind: str) -> dict:
    import json
    import subprocess
    import sys

    root = Path(__file__).resolve().parents[1]
    done = subprocess.run([sys.executable, "-c", PARSE_AT_LIMIT, source_id, kind], cwd=root,
                          capture_output=True, text=True, timeout=300,
                          env={**os.environ, "PYTHONPATH": str(root)})
    assert done.returncode == 0, done.stderr[-1500:]
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def at_the_limits() -> dict[tuple[str, str], dict]:
    from concurrent.futures import ThreadPoolExecutor

    cases = [(source_id, kind) for source_id in TEXT_SOURCES for kind in ("cells", "lines")]
    with ThreadPoolExecutor(2) as pool:  # two at a time: the machine is shared
        return dict(zip(cases, pool.map(lambda case: _parse_at_limit(*case), cases)))


@pytest.mark.parametrize("kind", ["cells", "lines"])
@pytest.mark.parametrize("source_id", TEXT_SOURCES)
def test_at_the_limits__a_text_file_parses_within_256_mb(at_the_limits, source_id, kind):
    result = at_the_limits[(source_id, kind)]
    assert result["outcome"] != "MemoryError"
    assert result["mb"] < MEMORY_BUDGET_MB, result
