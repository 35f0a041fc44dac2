"""A hostile network: bodies and headers trickled, redirects elsewhere, bombs, forged validators.

Each scenario runs the real transport against a local peer (a raw TCP server when every byte and
pause matters, the fault server otherwise) and checks that nothing hangs past ``JPFLOWS_TIMEOUT``,
nothing from elsewhere is stored under a publisher's key, and the last good copy survives.
"""

from __future__ import annotations

import time

import pytest

from addin.config import Config, parse_mirror
from addin.errors import SourceUnavailable
from addin.http import Fetcher
from tests.fixtures.hostile import Figures, RawServer, http_head, silent, trickle

URL = "https://fred.stlouisfed.org/graph/fredgraph.csv?id=SOFR"
GOOD = b"observation_date,SOFR\n2025-09-30,4.24\n"
TIMEOUT = 0.5
# Generous: the bound under test is JPFLOWS_TIMEOUT; this only keeps a slow machine from failing.
SLACK = 1.5

figures = Figures()


@pytest.fixture
def raw():
    """Start a :class:`RawServer` for a script; every one started is stopped after the test."""
    started = []

    def start(script, read_request: bool = True) -> RawServer:
        started.append(RawServer(script, read_request).start())
        return started[-1]

    yield start
    for server in started:
        server.stop()


def _fetcher(tmp_path, base: str, **changes) -> Fetcher:
    mirror = parse_mirror(f"https://fred.stlouisfed.org={base}")
    return Fetcher(Config(cache_dir=tmp_path / "cache", mirror=mirror, timeout=TIMEOUT,
                          recheck_seconds=0, **changes))


def _held(fetcher: Fetcher, server) -> tuple[float, str]:
    """Seconds one cold ``get`` is held, and the message it ends with."""
    start = time.monotonic()
    with pytest.raises(SourceUnavailable) as caught:
        fetcher.get(URL, source="FRED")
    return time.monotonic() - start, str(caught.value)


@pytest.mark.parametrize("headers_too", [False, True], ids=["body", "headers"])
def test_trickle__one_byte_every_0_3_s_never_holds_past_the_timeout(tmp_path, raw, headers_too):
    body = GOOD * 40  # 1,560 bytes: 8 minutes at this pace
    server = raw(trickle(http_head(len(body)), body, 0.3, headers_too=headers_too))
    fetcher = _fetcher(tmp_path, server.base)
    with figures.measure(f"trickle_{'headers' if headers_too else 'body'}",
                         lambda: server.connections) as figure:
        held, message = _held(fetcher, server)
    assert "FRED timed out" in message
    assert held < TIMEOUT + SLACK, held
    assert server.sent < len(body) // 10  # the client gave up early, not at the end
    figure.note = f"{server.sent} bytes received before giving up"


def test_trickle__cached_copy_answers_stale_within_the_timeout(tmp_path, raw, server):
    server.serve(URL, GOOD)
    _fetcher(tmp_path, f"{server.base}/fred.stlouisfed.org").get(URL)
    body = GOOD * 40
    slow = raw(trickle(http_head(len(body)), body, 0.3))
    fetcher = _fetcher(tmp_path, slow.base)
    fetcher.revalidate = True
    start = time.monotonic()
    assert fetcher.get(URL, source="FRED") == GOOD
    assert time.monotonic() - start < TIMEOUT + SLACK
    assert fetcher.records[URL].stale is True and fetcher.records[URL].error == "timed out"


def test_silent_server__accepts_and_never_answers(tmp_path, raw):
    server = raw(silent)
    with figures.measure("silent_publisher", lambda: server.connections):
        held, message = _held(_fetcher(tmp_path, server.base), server)
    assert "FRED timed out" in message
    assert held < TIMEOUT + SLACK
    assert server.connections == 1  # a read timeout is not retried


def test_trickle__over_tls_is_cut_at_the_timeout_too(tmp_path, raw, monkeypatch):
    from tests.fixtures.hostile import self_signed

    made = self_signed(tmp_path)
    if made is None:
        pytest.skip("openssl is not installed: no certificate for a local https:// server")
    context, cert = made
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(cert))  # trust this one certificate only
    body = GOOD * 40
    server = RawServer(trickle(http_head(len(body)), body, 0.3), tls=context).start()
    try:
        with figures.measure("trickle_body_tls", lambda: server.connections):
            held, message = _held(_fetcher(tmp_path, server.base), server)
    finally:
        server.stop()
    assert "FRED timed out" in message
    assert held < TIMEOUT + SLACK
    assert server.sent < len(body) // 10


# -- redirects: only to the publisher's own host over HTTPS, or within the configured mirror ----

def _mirrored(tmp_path, server, **changes) -> Fetcher:
    return _fetcher(tmp_path, f"{server.base}/fred.stlouisfed.org", **changes)


def _no_html(body: bytes) -> None:
    from addin.errors import LayoutChanged

    if not body.startswith(b"observation_date,"):
        raise LayoutChanged("FRED SOFR: got an HTML page, not CSV")


def test_redirect__to_another_host_is_refused_and_nothing_forged_is_stored(tmp_path, server, raw):
    forged = b"observation_date,SOFR\n2025-09-30,99.99\n"
    other = raw(lambda srv, conn: srv.send(conn, http_head(len(forged)) + forged))
    server.serve(URL, b"", 302, Location=f"{other.base}/forged.csv")
    fetcher = _mirrored(tmp_path, server)
    with figures.measure("redirect_other_host", lambda: server.total() + other.connections):
        with pytest.raises(SourceUnavailable, match="FRED: redirected to a private address"):
            fetcher.get(URL, check=_no_html, source="FRED")
    assert other.connections == 0
    assert fetcher.store.get(URL) is None


@pytest.mark.parametrize("target", [
    "http://169.254.169.254/latest/meta-data/", "http://[fe80::1]/x", "http://10.0.0.7/x",
    "http://localhost:6379/", "https://127.0.0.1/x", "http://[::1]/x", "ftp://example.com/x",
    "file:///etc/passwd"])
def test_redirect__to_private_loopback_or_link_local_is_refused(tmp_path, server, target):
    server.serve(URL, b"", 301, Location=target)
    with pytest.raises(SourceUnavailable, match="FRED: redirected to"):
        _mirrored(tmp_path, server).get(URL, source="FRED")
    assert server.count(URL) == 1


def test_redirect__within_the_mirror_is_followed(tmp_path, server):
    moved = URL.replace("SOFR", "SOFR_MOVED")
    server.serve(URL, b"", 302, Location="/fred.stlouisfed.org/graph/fredgraph.csv?id=SOFR_MOVED")
    server.serve(moved, GOOD)
    fetcher = _mirrored(tmp_path, server)
    assert fetcher.get(URL, source="FRED") == GOOD
    assert fetcher.store.get(URL).content == GOOD


def test_redirect__endless_loop_stops(tmp_path, server):
    server.serve(URL, b"", 302, Location="/fred.stlouisfed.org/graph/fredgraph.csv?id=SOFR")
    with pytest.raises(SourceUnavailable, match="too many redirects"):
        _mirrored(tmp_path, server).get(URL, source="FRED")
    assert server.count(URL) <= 6


@pytest.mark.parametrize("target, allowed", [
    ("https://fred.stlouisfed.org/other.csv", True),
    ("https://fred.stlouisfed.org:8443/other.csv", True),
    ("http://fred.stlouisfed.org/other.csv", False),  # downgraded to plain HTTP
    ("https://fred.stlouisfed.org.evil.example/x", False),
    ("https://evil.example/x", False),
    ("https://169.254.169.254/x", False),
])
def test_redirect_policy__publisher_host_over_https_only(target, allowed):
    from addin.redirects import refusal

    assert (refusal(target, URL, URL) is None) is allowed


# -- validators and stored headers: only what can be sent back, nothing private ---------------

def _raw_copy(fetcher: Fetcher, body: bytes, headers: dict):
    """A cached copy written as a careless (or hostile) writer would, headers unfiltered."""
    from requests.structures import CaseInsensitiveDict
    from requests_cache import CachedResponse
    from requests_cache.models import CachedRequest

    return CachedResponse(content=body, status_code=200, reason="OK", url=URL,
                          headers=CaseInsensitiveDict(headers),
                          request=CachedRequest(method="GET", url=URL, headers=CaseInsensitiveDict()),
                          created_at=fetcher.clock.now(), expires=None)


@pytest.mark.parametrize("etag", ['"v1"\r\nX-Injected: 1', "v\u2603", "x" * 5000, '"\x00"'])
def test_validators__a_poisoned_etag_is_not_sent_and_refresh_still_works(tmp_path, server, etag):
    fetcher = _mirrored(tmp_path, server)
    fetcher.store.put(URL, _raw_copy(fetcher, GOOD, {"ETag": etag,
                                                     "Last-Modified": "yesterday\u2603"}))
    newer = GOOD.replace(b"4.24", b"4.30")
    server.serve(URL, newer)
    fetcher.revalidate = True
    assert fetcher.get(URL, check=_no_html, source="FRED") == newer
    sent = server.seen[-1][1]
    assert "If-None-Match" not in sent and "If-Modified-Since" not in sent
    assert fetcher.store.get(URL).content == newer


def test_stored_headers__cookies_and_unknown_headers_are_not_kept(tmp_path, server):
    server.serve(URL, GOOD, **{"Set-Cookie": "session=secret", "ETag": '"v1"',
                               "X-Anything": "[/] \x1b[31m"})
    fetcher = _mirrored(tmp_path, server)
    fetcher.get(URL, source="FRED")
    kept = fetcher.store.get(URL).headers
    assert kept.get("ETag") == '"v1"'
    assert "Set-Cookie" not in kept and "X-Anything" not in kept



# -- bombs on the wire: compressed, announced, endless -----------------------------------------

def test_gzip_bomb__is_cut_at_the_cap_on_the_unzipped_size(tmp_path, server):
    import gzip

    from tests.fixtures.server import Reply

    server.serve(URL, GOOD)
    fetcher = _mirrored(tmp_path, server, max_response_bytes=1_000_000)
    fetcher.get(URL)
    bomb = gzip.compress(b"0" * 200_000_000, 9)  # 200 kB on the wire, 200 MB unpacked
    server.serve(URL, Reply(bomb, headers={"Content-Encoding": "gzip"}))
    fetcher.revalidate = True
    with figures.measure("gzip_bomb_200MB", lambda: server.count(URL)) as figure:
        assert fetcher.get(URL, source="FRED") == GOOD
    assert fetcher.records[URL].error == "larger than 1,000,000 bytes"
    figure.note = f"{len(bomb):,} bytes on the wire"


def test_huge_content_length__is_refused_before_the_body(tmp_path, raw):
    server = raw(trickle(http_head(10**12), b"x" * 1000, 0.01))
    with figures.measure("content_length_1TB", lambda: server.connections):
        _, message = _held(_fetcher(tmp_path, server.base), server)
    assert "larger than 67,108,864 bytes" in message
    assert server.sent < 200


def test_endless_body__is_cut_at_the_cap(tmp_path, raw):
    def endless(srv, conn):
        if srv.send(conn, http_head(None)):
            while not srv.stopping.is_set() and srv.send(conn, b"1" * 65536):
                pass

    server = raw(endless)
    with figures.measure("endless_body", lambda: server.connections) as figure:
        _, message = _held(_fetcher(tmp_path, server.base, max_response_bytes=8_000_000), server)
    assert "larger than 8,000,000 bytes" in message or "timed out" in message
    figure.note = message
