"""The HTTP layer on its own: mirror, single flight, validation, caps, retries, messages."""

from __future__ import annotations

import logging
import sqlite3
import threading

import pytest
import urllib3.util.retry

from addin.config import Config, parse_mirror
from addin.errors import LayoutChanged, SourceUnavailable
from addin.http import Fetcher
from addin.transport import Transport, _CappedRetry, build_session, rewrite
from udfs.messages import unavailable_message
from addin.sources import REGISTRY
from tests.fixtures.server import Reply, Stream, closed_port, slow

URL = "https://fred.stlouisfed.org/graph/fredgraph.csv?id=SOFR"
GOOD = b"observation_date,SOFR\n2025-09-30,4.24\n"
NEWER = b"observation_date,SOFR\n2025-10-01,4.30\n"


@pytest.fixture
def make_fetcher(server, tmp_path):
    def make(**changes) -> Fetcher:
        settings = {"cache_dir": tmp_path / "cache", "mirror": parse_mirror(server.mirror()),
                    "timeout": 0.5, "recheck_seconds": 0, **changes}
        return Fetcher(Config(**settings))

    return make


def _no_html(body: bytes) -> None:
    if body.lstrip().startswith(b"<"):
        raise LayoutChanged("FRED SOFR: got an HTML page, not CSV")


def _stored(fetcher: Fetcher) -> bytes | None:
    cached = fetcher.store.get(URL)
    return None if cached is None else cached.content


def test_rewrite__mirror_keeps_path_and_query():
    mirror = (("https://fred.stlouisfed.org", "http://127.0.0.1:9/fred"),)
    assert rewrite(URL, mirror) == "http://127.0.0.1:9/fred/graph/fredgraph.csv?id=SOFR"


def test_rewrite__lookalike_host_is_not_rewritten():
    mirror = (("https://fred.stlouisfed.org", "http://127.0.0.1:9/fred"),)
    lookalike = "https://fred.stlouisfed.org.example.com/graph/fredgraph.csv"
    assert rewrite(lookalike, mirror) == lookalike


def test_get__second_call_is_served_from_cache(server, make_fetcher):
    server.serve(URL, GOOD)
    fetcher = make_fetcher()
    assert fetcher.get(URL, source="FRED") == GOOD
    assert fetcher.get(URL, source="FRED") == GOOD
    assert server.count(URL) == 1
    assert fetcher.records[URL].stale is False


def test_get__sixteen_threads_cause_one_request(server, make_fetcher):
    server.serve(URL, slow(Reply(GOOD), 0.2))
    fetcher = make_fetcher()
    bodies = []
    threads = [threading.Thread(target=lambda: bodies.append(fetcher.get(URL))) for _ in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert bodies == [GOOD] * 16
    assert server.count(URL) == 1


def test_get__revalidation_sends_validators_and_304_keeps_the_copy(server, make_fetcher):
    server.serve(URL, Reply(GOOD, headers={"ETag": '"v1"', "Last-Modified": "Tue, 30 Sep 2025"}))
    fetcher = make_fetcher()
    fetcher.get(URL)
    server.serve(URL, Reply(b"", 304))
    fetcher.revalidate = True
    assert fetcher.get(URL) == GOOD
    sent = server.seen[-1][1]
    assert sent["If-None-Match"] == '"v1"'
    assert sent["If-Modified-Since"] == "Tue, 30 Sep 2025"
    assert fetcher.records[URL].stale is False


def test_get__download_failing_check_never_enters_cache(server, make_fetcher):
    server.serve(URL, GOOD)
    fetcher = make_fetcher()
    fetcher.get(URL, check=_no_html)
    server.serve(URL, b"<html>sorry</html>")
    seen_in_cache = []
    fetcher.revalidate = True
    fetcher.get(URL, check=lambda body: (seen_in_cache.append(_stored(fetcher)), _no_html(body)))
    assert seen_in_cache == [GOOD]  # while the check ran, the cache still held the good copy
    assert _stored(fetcher) == GOOD
    assert fetcher.records[URL].stale is True


def test_get__empty_200_does_not_replace_cache(server, make_fetcher):
    server.serve(URL, GOOD)
    fetcher = make_fetcher()
    fetcher.get(URL)
    server.serve(URL, b"")
    fetcher.revalidate = True
    assert fetcher.get(URL) == GOOD
    assert _stored(fetcher) == GOOD
    assert fetcher.records[URL].error == "empty response"


def test_get__declared_size_over_cap_is_refused_unread(server, make_fetcher):
    server.stream(URL, Stream([b"x" * 1000] * 50, pause=0.05))
    fetcher = make_fetcher(max_response_bytes=4096)
    with pytest.raises(SourceUnavailable, match="larger than 4,096 bytes"):
        fetcher.get(URL, source="FRED")
    assert server.streams[next(iter(server.streams))].sent < 50
    assert _stored(fetcher) is None


def test_get__undeclared_size_over_cap_is_cut_while_streaming(server, make_fetcher):
    server.serve(URL, GOOD)
    fetcher = make_fetcher(max_response_bytes=100_000)
    fetcher.get(URL)
    endless = Stream([b"1" * 10_000] * 20_000, length=-1)  # 200 MB if read to the end
    server.stream(URL, endless)
    fetcher.revalidate = True
    assert fetcher.get(URL) == GOOD
    assert endless.sent < 20_000
    assert _stored(fetcher) == GOOD
    assert "larger than 100,000 bytes" in fetcher.records[URL].error


def test_get__trickling_body_times_out(server, make_fetcher):
    trickle = Stream([b"observation_date,SOFR\n"] + [b"2025-09-30,4.24\n"] * 20, pause=0.1)
    server.stream(URL, trickle)
    fetcher = make_fetcher(timeout=0.5)
    # Each piece comes well within the 0.5 s read timeout; only the whole-body deadline trips.
    with pytest.raises(SourceUnavailable, match="FRED timed out"):
        fetcher.get(URL, source="FRED")


def test_get__body_shorter_than_declared_is_cut_short(server, make_fetcher):
    server.stream(URL, Stream([GOOD[:20]], length=len(GOOD)))
    with pytest.raises(SourceUnavailable, match="FRED: download cut short; nothing cached"):
        make_fetcher().get(URL, source="FRED")


def test_get__retry_after_is_honoured_but_capped(server, make_fetcher, monkeypatch):
    waits = []
    monkeypatch.setattr(urllib3.util.retry.time, "sleep", waits.append)
    server.serve(URL, Reply(b"", 429, {"Retry-After": "3600"}))
    with pytest.raises(SourceUnavailable, match="HTTP 429"):
        make_fetcher(timeout=2.0).get(URL, source="FRED")
    assert server.count(URL) == 4
    assert waits == [2.0, 2.0, 2.0]


def test_capped_retry__cap_survives_each_retry():
    retry = _CappedRetry(total=3, max_wait=1.5)
    assert retry.new(total=2).max_wait == 1.5


def test_get__read_timeout_is_not_retried(server, make_fetcher):
    server.serve(URL, slow(Reply(GOOD), 2))
    with pytest.raises(SourceUnavailable, match="timed out"):
        make_fetcher(timeout=0.3).get(URL, source="FRED")
    assert server.count(URL) == 1


def test_get__failure_is_remembered_for_recheck_seconds(server, make_fetcher):
    server.serve(URL, Reply(b"", 404))
    fetcher = make_fetcher(recheck_seconds=600)
    for _ in range(3):
        with pytest.raises(SourceUnavailable, match="HTTP 404"):
            fetcher.get(URL, source="FRED")
    assert server.count(URL) == 1
    fetcher.revalidate = True  # an explicit refresh asks again
    server.serve(URL, GOOD)
    assert fetcher.get(URL, source="FRED") == GOOD


def test_get__check_that_crashes_keeps_bytes_out(server, make_fetcher, caplog):
    server.serve(URL, GOOD)

    def broken_check(body: bytes) -> None:
        raise IndexError("parser bug")

    with pytest.raises(SourceUnavailable, match="FRED: file not readable"):
        make_fetcher().get(URL, check=broken_check, source="FRED")
    assert "layout check crashed" in caplog.text


def test_get__offline_serves_cache_or_says_what_to_do(server, make_fetcher):
    server.serve(URL, GOOD)
    make_fetcher().get(URL)
    assert make_fetcher(offline=True).get(URL) == GOOD
    with pytest.raises(SourceUnavailable, match="unset JPFLOWS_OFFLINE"):
        make_fetcher(offline=True).get(URL.replace("SOFR", "DGS5"), source="FRED")
    assert server.count(URL) == 1


def test_get__mirror_change_keeps_the_cached_copy(server, make_fetcher):
    server.serve(URL, GOOD)
    make_fetcher().get(URL)
    elsewhere = parse_mirror("https://fred.stlouisfed.org=http://127.0.0.1:9/other")
    assert make_fetcher(mirror=elsewhere).get(URL) == GOOD


def test_get__cache_write_failure_still_answers(server, make_fetcher, monkeypatch, caplog):
    server.serve(URL, GOOD)
    fetcher = make_fetcher()

    def locked(*args, **kwargs):
        raise sqlite3.OperationalError("database is locked")

    monkeypatch.setattr(fetcher.store.backend, "save_response", locked)
    assert fetcher.get(URL, source="FRED") == GOOD
    assert "database is locked" in caplog.text


def test_get__cache_read_failure_counts_as_miss(server, make_fetcher, monkeypatch):
    server.serve(URL, GOOD)
    fetcher = make_fetcher()

    def unreadable(key):
        raise sqlite3.OperationalError("disk I/O error")

    monkeypatch.setattr(fetcher.store.backend, "get_response", unreadable)
    assert fetcher.get(URL) == GOOD


def test_records__reader_never_sees_them_change_underneath(server, make_fetcher):
    server.serve(URL, GOOD)
    server.serve(URL.replace("SOFR", "DGS5"), GOOD)
    fetcher = make_fetcher()
    fetcher.get(URL)
    reading = iter(fetcher.records.values())
    fetcher.get(URL.replace("SOFR", "DGS5"))
    assert [record.url for record in reading] == [URL]


def test_build_session__verifies_tls_and_caps_retry_wait(tmp_path):
    session = build_session(Config(cache_dir=tmp_path, timeout=3))
    retry = session.get_adapter("https://fred.stlouisfed.org").max_retries
    assert session.verify is True
    assert retry.max_wait == 3
    assert retry.read is False


@pytest.mark.parametrize("source_id", REGISTRY.ids())
@pytest.mark.parametrize("problem", ["timed out", "unreachable", "HTTP 503", "empty response",
                                     "download cut short", "larger than 67,108,864 bytes",
                                     "HTTP 429 (rate limited)", "TLS certificate check failed"])
def test_unavailable_message__fits_a_cell_and_names_source(source_id, problem):
    try:
        name = REGISTRY[source_id].name
    except ImportError:
        pytest.skip(f"source {source_id} not importable yet")
    message = unavailable_message(name, problem)
    assert len(message) <= 75
    assert message.startswith(name)


def test_unavailable_message__long_layout_text_is_shortened():
    problem = "MOF jgbcme_all.csv: header 'Date,1Y,...,40Y' not found in the first thirty lines"
    message = unavailable_message("MOF JGB", problem)
    assert len(message) == 75 and message.startswith("MOF jgbcme_all.csv") and message[-1] == "…"


def test_get__failure_logs_name_the_source(server, make_fetcher, caplog):
    server.serve(URL, Reply(b"", 404))
    caplog.set_level(logging.WARNING, logger="addin.http")
    with pytest.raises(SourceUnavailable):
        make_fetcher().get(URL, source="FRED")
    assert "FRED" in caplog.text and "HTTP 404" in caplog.text



def test_unavailable_message__http_status_says_who_answered():
    assert unavailable_message("JPX", "HTTP 404") == (
        "JPX answered HTTP 404, nothing cached; try again later")
    assert unavailable_message("JPX", "HTTP 404", mirrored=True) == (
        "JPX answered HTTP 404, nothing cached; check JPFLOWS_MIRROR or try later")
    assert len(unavailable_message("MOF BoP portfolio", "HTTP 503", mirrored=True)) <= 75


@pytest.mark.parametrize("problem", ["timed out", "unreachable", "HTTP 503"])
def test_unavailable_message__names_the_mirror_only_when_one_is_used(problem):
    assert "JPFLOWS_MIRROR" not in unavailable_message("FRED", problem)
    assert "JPFLOWS_MIRROR" in unavailable_message("FRED", problem, mirrored=True)


def test_get__failure_names_the_mirror_only_when_the_request_used_it(server, make_fetcher,
                                                                     tmp_path):
    server.serve(URL, Reply(b"", 404))
    with pytest.raises(SourceUnavailable) as mirrored:
        make_fetcher().get(URL, source="FRED")
    assert mirrored.value.mirrored is True and "JPFLOWS_MIRROR" in str(mirrored.value)
    direct = Fetcher(Config(cache_dir=tmp_path / "direct", timeout=2),
                     Transport(Config(cache_dir=tmp_path / "direct", timeout=2)))
    with pytest.raises(SourceUnavailable) as failed:
        direct.get(f"http://127.0.0.1:{closed_port()}/x.csv", source="FRED")
    assert failed.value.mirrored is False and "JPFLOWS_MIRROR" not in str(failed.value)


def test_fetcher__announces_each_network_request_but_not_cache_hits(server, make_fetcher):
    server.serve(URL, GOOD)
    fetcher, seen = make_fetcher(recheck_seconds=60), []
    fetcher.on_download = lambda source, url: seen.append((source, url))
    fetcher.get(URL, source="FRED")
    fetcher.get(URL, source="FRED")
    assert seen == [("FRED", URL)]
