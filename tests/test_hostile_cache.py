"""A hostile or careless cache: poisoned SQLite rows, forged copies, bodies the source rejects.

A cached entry is validated when it is read (shape, size, the URL it claims to be, the source's
check once per process); a bad one counts as missing and the publisher is asked again. Nothing
here may reach a cell as an internal error, and a good copy is never lost.
"""

from __future__ import annotations

import sqlite3
from dataclasses import replace

import pytest

from addin import api
from addin.cache import CACHE_FILE
from addin.config import Config, parse_mirror
from addin.engine import Engine
from addin.errors import LayoutChanged, SourceUnavailable
from addin.http import Fetcher
from tests.fixtures import fred as fred_files
from tests.fixtures.hostile import Figures

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
