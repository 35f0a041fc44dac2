"""A hostile or careless cache: poisoned SQLite rows, forged copies, bodies the source rejects.

A cached entry is validated when it is read (shape, size, the URL it claims to be, the source's
check once per process); a bad one counts as missing and the publisher is asked again. Nothing
here may reach a cell as an internal error, and a good copy is never lost.
"""

from __future__ import annotations

import json
import os
import shlex
import shutil
import sqlite3
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest

from addin import api
from addin.cache import CACHE_FILE
from addin.config import Config, parse_mirror
from addin.engine import Engine
from addin.errors import LayoutChanged, SourceUnavailable
from addin.http import Fetcher
from tests.fixtures import fred as fred_files
from tests.fixtures.hostile import Figures

PROJECT = Path(__file__).resolve().parents[1]
URL = "https://fred.stlouisfed.org/graph/fredgraph.csv?id=SOFR"
OTHER = "https://fred.stlouisfed.org/graph/fredgraph.csv?id=DGS5"
GOOD = b"observation_date,SOFR\n2025-09-30,4.24\n"

figures = Figures()

POISON = {
    "list": b"[1,2,3]",
    "text": b'"hello"',
    "number": b"7",
    "null": b"null",
    "empty_object": b"{}",
    "no_content": b'{"status_code": 200, "url": "%s"}' % URL.encode(),
    "status_500": b'{"status_code": 500, "url": "%s", "_content": "eA=="}' % URL.encode(),
    "content_not_base64": b'{"status_code": 200, "url": "%s", "_content": 5}' % URL.encode(),
    "json_bomb": b'{"a": [' + b"1," * 2_000_000 + b"1]}",
}


@pytest.fixture
def config(server, tmp_path) -> Config:
    return Config(cache_dir=tmp_path / "cache", mirror=parse_mirror(server.mirror()), timeout=1,
                  recheck_seconds=0, max_response_bytes=1_000_000)


def _check(body: bytes) -> None:
    if not body.startswith(b"observation_date,SOFR"):
        raise LayoutChanged("FRED SOFR: file holds something else")


def _poison(config: Config, value: bytes) -> None:
    with sqlite3.connect(config.cache_dir / CACHE_FILE) as db:
        db.execute("UPDATE responses SET value = ?", (value,))
    db.close()


def _cached(server, config) -> Fetcher:
    server.serve(URL, GOOD)
    fetcher = Fetcher(config)
    fetcher.get(URL, check=_check)
    fetcher.store.backend.close()
    return fetcher


@pytest.mark.parametrize("poison", POISON)
def test_poisoned_row__counts_as_missing_and_the_publisher_is_asked_again(config, server, poison):
    _cached(server, config)
    _poison(config, POISON[poison])
    before = server.count(URL)
    with figures.measure(f"sqlite_row_{poison}", lambda: server.count(URL)) as figure:
        assert Fetcher(config).get(URL, check=_check, source="FRED") == GOOD
    assert server.count(URL) == before + 1
    assert Fetcher(config).get(URL, check=_check) == GOOD  # the new copy replaced the row
    assert server.count(URL) == before + 1
    figure.note = "answered from a new download"


def test_poisoned_row__with_the_publisher_down_is_a_clear_message(config, server):
    _cached(server, config)
    _poison(config, b"[1,2,3]")
    down = replace(config, mirror=parse_mirror("https://fred.stlouisfed.org=http://127.0.0.1:9"))
    with pytest.raises(SourceUnavailable, match="FRED unreachable, nothing cached"):
        Fetcher(down).get(URL, check=_check, source="FRED")


def test_swapped_row__a_copy_claiming_another_url_is_rejected(config, server):
    server.serve(OTHER, b"observation_date,DGS5\n2025-09-30,3.70\n")
    fetcher = _cached(server, config)
    Fetcher(config).get(OTHER)
    with sqlite3.connect(config.cache_dir / CACHE_FILE) as db:
        other_row = db.execute("SELECT value FROM responses WHERE key = ?",
                               (fetcher.store.key(OTHER),)).fetchone()[0]
        db.execute("UPDATE responses SET value = ? WHERE key = ?", (other_row, fetcher.store.key(URL)))
    db.close()
    assert Fetcher(config).get(URL, source="FRED") == GOOD  # not DGS5's file


def test_oversized_row__is_rejected_on_read(config, server):
    _cached(server, config)
    small = replace(config, max_response_bytes=10)
    server.serve(URL, b"observation_date,SOFR\n")  # the new download is also refused: too big
    with pytest.raises(SourceUnavailable, match="larger than 10 bytes"):
        Fetcher(small).get(URL, source="FRED")


def test_cached_body_failing_the_check__is_refused_and_asked_again(config, server):
    _cached(server, config)
    fetcher = Fetcher(config)
    fetcher.store.put(URL, _copy(fetcher, b"<html>a login page</html>"))
    assert fetcher.get(URL, check=_check, source="FRED") == GOOD
    assert fetcher.store.get(URL).content == GOOD


def test_cached_body__is_checked_once_per_process(config, server):
    _cached(server, config)
    calls = []
    fetcher = Fetcher(config)
    for _ in range(3):
        fetcher.get(URL, check=lambda body: calls.append(body) or _check(body))
    assert calls == [GOOD]


def test_api__a_list_row_never_makes_an_internal_error_and_refresh_works(engine_env, tmp_path):
    engine_env.serve(URL, fred_files.current_layout("SOFR", [("2025-09-30", "4.24")]))
    api.use(None)
    try:
        assert api.value("SOFR", "2025-09-30") == 4.24
        api.engine().fetcher.store.backend.close()
        _poison(api.engine().config, b"[1,2,3]")
        api.use(Engine(replace(Config.from_env(), recheck_seconds=0)))
        assert api.value("SOFR", "2025-09-30") == 4.24
        assert api.refresh()["FRED SOFR"] == "OK"
    finally:
        api.use(None)


def _copy(fetcher: Fetcher, body: bytes, url: str = URL):
    from addin.cache import stored

    return stored(url, body, {"ETag": '"v1"'}, fetcher.clock.now(), None)


def test_304__keeps_the_cached_body_only_if_it_still_passes_the_check(config, server):
    fetcher = Fetcher(config)
    fetcher.store.put(URL, _copy(fetcher, b"<html>not the file</html>"))
    server.serve(URL, b"", 304)
    fetcher.revalidate = True
    with figures.measure("304_over_a_bad_copy", server.total):
        with pytest.raises(SourceUnavailable):
            fetcher.get(URL, check=_check, source="FRED")
    assert "If-None-Match" not in server.seen[-1][1]  # the bad copy's validator is not used


# -- a read-only cache (a read-only file system, or a folder the user cannot write) ------------

READ_ONLY_LOOKUP = """
import json, logging, sys
logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
from addin import api
values = [api.value(s, d) for s, d in (("SOFR", "2025-09-30"), ("JGB10Y", "2025-04-08"))]
print(json.dumps({"values": values, "status": api.status()}))
"""


def _run_read_only(cache_dir, env: dict) -> subprocess.CompletedProcess:
    """Run READ_ONLY_LOOKUP with ``cache_dir`` read-only: a read-only bind mount when this runs
    as root (who may write anywhere else), the folder's permissions otherwise."""
    command = [sys.executable, "-c", READ_ONLY_LOOKUP]
    if os.geteuid() == 0:
        if shutil.which("unshare") is None:
            pytest.skip("running as root without unshare: cannot make a folder read-only")
        folder = shlex.quote(str(cache_dir))
        script = (f"mount --bind {folder} {folder} && mount -o remount,ro,bind {folder} {folder}"
                  f" && exec {' '.join(shlex.quote(part) for part in command)}")
        command = ["unshare", "-m", "sh", "-c", script]
    else:
        for path in [cache_dir, *cache_dir.iterdir()]:
            path.chmod(0o555 if path.is_dir() else 0o444)
    try:
        done = subprocess.run(command, env=env, cwd=PROJECT, capture_output=True, text=True,
                              timeout=120)
    finally:
        for path in [cache_dir, *cache_dir.iterdir()]:
            path.chmod(0o755 if path.is_dir() else 0o644)
    if "mount:" in done.stderr and done.returncode != 0:
        pytest.skip(f"cannot mount read-only here: {done.stderr.strip()[:120]}")
    return done


@pytest.mark.parametrize("offline", [True, False], ids=["offline", "online"])
def test_read_only_cache__is_read_read_only(engine_env, offline):
    from addin.sources import mof_jgb
    from tests.fixtures import mof_jgb as jgb_files

    engine_env.serve(URL, fred_files.current_layout("SOFR", [("2025-09-30", "4.24")]))
    engine_env.serve(mof_jgb.HISTORY_URL, jgb_files.english_history())
    engine_env.serve(mof_jgb.CURRENT_URL, jgb_files.english_current())
    api.use(None)
    try:
        api.value("SOFR", "2025-09-30"), api.value("JGB10Y", "2025-04-08")
        api.engine().fetcher.store.backend.close()
    finally:
        api.use(None)
    cache_dir = Path(os.environ["JPFLOWS_CACHE_DIR"])
    before = engine_env.total()
    env = {**os.environ, "PYTHONPATH": str(PROJECT), "JPFLOWS_OFFLINE": "1" if offline else "0"}
    with figures.measure(f"read_only_cache_{'offline' if offline else 'online'}",
                         engine_env.total):
        done = _run_read_only(cache_dir, env)
    assert done.returncode == 0, done.stderr[-2000:]
    answer = json.loads(done.stdout.strip().splitlines()[-1])
    assert answer["values"] == [4.24, 1.268]
    assert engine_env.total() == before  # fresh copies: nothing asked
    assert "memory only" not in done.stderr and "failed" not in done.stderr, done.stderr


def test_copy__of_a_url_whose_query_the_cache_reorders_is_still_served(config, server):
    url = ("https://home.treasury.gov/resource-center/data-chart-center/interest-rates/"
           "daily-treasury-rates.csv/all/2025?type=daily_treasury_yield_curve"
           "&field_tdr_date_value=2025&page&_format=csv")
    server.serve(url, GOOD)
    Fetcher(config).get(url)
    assert Fetcher(config).get(url) == GOOD
    assert server.count(url) == 1  # the stored copy (its query normalised) was recognised
