"""A wall-clock deadline on each request attempt: headers and body within ``JPFLOWS_TIMEOUT``.

A socket timeout bounds one read, not an answer: a server sending one byte every 0.3 s never trips
a 0.5 s timeout and can hold a cell for as long as it likes, in the headers or in the body. So each
attempt gets a :class:`Watch`: when the attempt starts reading its answer a timer is armed, and if
the answer is not complete when it rings, the socket is shut for reading, which wakes the blocked
read at once. The body loop also checks the clock after every read. Retries and their back-off
happen between attempts, outside any watch.

The watch reaches the connection through a thread-local, because requests and urllib3 run each
request on the calling thread: :func:`watching` sets it for the duration of one fetch, and
:class:`WatchedAdapter` gives the session connections that arm it.
"""

from __future__ import annotations

import math
import socket
import threading
import time
from contextlib import contextmanager
from typing import Iterator

from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

_current = threading.local()


class Watch:
    """The deadline of one fetch's current attempt, and whether it rang."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.at = math.inf
        self.expired = False
        self.sock = None
        self._timer: threading.Timer | None = None
        self._lock = threading.Lock()

    def attempt(self, sock) -> None:
        """A new attempt starts reading its answer on ``sock``: its clock starts now."""
        with self._lock:
            self.at, self.expired, self.sock = time.monotonic() + self.seconds, False, sock

    def left(self) -> float:
        return self.at - time.monotonic()

    def over(self) -> bool:
        """Whether the deadline rang or has passed."""
        return self.expired or time.monotonic() > self.at

    @contextmanager
    def armed(self) -> Iterator[None]:
        """Shut the attempt's socket if the block is still running at the deadline."""
        timer = threading.Timer(max(self.left(), 0.0), self._ring, (self.sock,))
        timer.daemon = True
        timer.start()
        try:
            yield
        finally:
            timer.cancel()

    def _ring(self, sock) -> None:
        with self._lock:
            if sock is not self.sock:
                return  # a later attempt owns the watch now
            self.expired = True
        try:
            # The plain socket's shutdown: an SSL socket's own would unwrap it under the reader.
            socket.socket.shutdown(sock, socket.SHUT_RD)
        except (OSError, TypeError, ValueError):  # already closed, or not a plain socket
            pass


@contextmanager
def watching(seconds: float) -> Iterator[Watch]:
    """Give every attempt of the fetch run in this block a deadline of ``seconds``."""
    watch = Watch(seconds)
    _current.watch = watch
    try:
        yield watch
    finally:
        _current.watch = None


class _Watched:
    """A connection whose answer's headers must arrive before the fetch's deadline."""

    def getresponse(self):  # noqa: D102 (urllib3's method)
        watch = getattr(_current, "watch", None)
        if watch is None:
            return super().getresponse()
        watch.attempt(self.sock)
        with watch.armed():
            return super().getresponse()


class _WatchedHTTP(_Watched, HTTPConnection):
    pass


class _WatchedHTTPS(_Watched, HTTPSConnection):
    pass


class _HTTPPool(HTTPConnectionPool):
    ConnectionCls = _WatchedHTTP


class _HTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _WatchedHTTPS


POOLS = {"http": _HTTPPool, "https": _HTTPSPool}


class WatchedAdapter(HTTPAdapter):
    """requests' adapter, with connections (direct or through an HTTP proxy) that arm the watch."""

    def init_poolmanager(self, *args, **kwargs) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = dict(POOLS)

    def proxy_manager_for(self, proxy, **proxy_kwargs):
        manager = super().proxy_manager_for(proxy, **proxy_kwargs)
        if not proxy.lower().startswith("socks"):  # SOCKS pools bring their own connections
            manager.pool_classes_by_scheme = dict(POOLS)
        return manager
