"""One download per publisher URL across processes that share a Redis cache.

Threads of one process already queue behind a lock per URL in :class:`addin.http.Fetcher`. A desk
server runs several worker processes over one Redis cache; without more, each worker that sees a
cold or expired entry downloads it too. :func:`flight` takes a lock in Redis (redis-py's ``Lock``)
named after the URL, so one worker downloads while the others wait, then read the copy it stored.

The lock expires by itself (``Lock(timeout=...)``), so a worker that dies while holding it blocks
nobody for long, and a waiter gives up after a bounded wait and downloads on its own: a stuck
lock costs one extra request, never an answer. With the SQLite cache, or when Redis cannot be
reached, :func:`flight` does nothing: the per-process lock is then all there is.
"""

from __future__ import annotations

import hashlib
import logging
import threading
from contextlib import contextmanager
from typing import Iterator

from addin.config import Config, redact_url

log = logging.getLogger(__name__)

PREFIX = "jpflows:flight:"
POLL_SECONDS = 0.05
_clients: dict[str, object] = {}
_clients_guard = threading.Lock()


def lock_name(url: str) -> str:
    """The Redis key of a URL's lock: a digest, so no URL (or key in its query) is stored."""
    return PREFIX + hashlib.sha256(url.encode("utf-8")).hexdigest()[:32]


def hold_seconds(config: Config) -> float:
    """How long a holder keeps the lock at most: a download with its retries, then it lapses."""
    return 3 * config.timeout + 10


def wait_seconds(config: Config) -> float:
    """How long a waiter waits for the holder: about one download."""
    return config.timeout + 5


def shared(config: Config) -> bool:
    """True when processes share the cache through Redis (only then is a lock worth taking)."""
    return config.cache.startswith(("redis://", "rediss://"))


@contextmanager
def flight(config: Config, url: str) -> Iterator[bool]:
    """Hold the cross-process lock of ``url`` while the block runs.

    Yields True when the lock is held, False when the block runs without it (SQLite cache,
    Redis unreachable, or the holder took longer than :func:`wait_seconds`).
    """
    lock = _acquire(config, url) if shared(config) else None
    try:
        yield lock is not None
    finally:
        if lock is not None:
            _release(lock)


def _acquire(config: Config, url: str):
    import redis

    try:
        lock = _client(config).lock(lock_name(url), timeout=hold_seconds(config),
                                    sleep=POLL_SECONDS, blocking_timeout=wait_seconds(config))
        if lock.acquire():
            return lock
        log.warning("download lock for %s still held after %.0f s; downloading anyway",
                    redact_url(url), wait_seconds(config))
    except redis.RedisError as exc:  # no Redis, no shared cache either: carry on alone
        log.warning("download lock unavailable (%s: %s)", type(exc).__name__, str(exc)[:120])
    return None


def _release(lock) -> None:
    import redis

    try:
        lock.release()
    except redis.exceptions.LockError:
        pass  # it lapsed while the download ran long; another worker may hold it now
    except redis.RedisError as exc:
        log.warning("download lock not released (%s); it lapses by itself", type(exc).__name__)


def _client(config: Config):
    """One Redis client per cache URL and process (its connection pool is reused)."""
    with _clients_guard:
        client = _clients.get(config.cache)
        if client is None:
            import redis
            from redis.backoff import NoBackoff
            from redis.retry import Retry

            # The cache's own short timeouts and no retries: a stalled Redis must not cost
            # the HTTP timeout several times over before a download may start.
            client = redis.Redis.from_url(config.cache, socket_timeout=config.cache_timeout,
                                          socket_connect_timeout=config.cache_timeout,
                                          retry=Retry(NoBackoff(), 0))
            _clients[config.cache] = client
        return client
