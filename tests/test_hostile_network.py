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
