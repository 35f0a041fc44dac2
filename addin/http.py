"""The one HTTP layer: a ``requests_cache.CachedSession`` configured once for the process.

Callers ask :meth:`Fetcher.get` for a publisher URL and receive bytes. Underneath:

* ``JPFLOWS_MIRROR`` rewrites the origin (path and query kept); ``JPFLOWS_OFFLINE`` serves the
  cache only;
* a per-URL lock makes N threads asking for one URL cause one request;
* freshly downloaded bytes pass the source's ``check`` before they may stay in the cache; a bad
  download restores the last good copy, which is then served and flagged stale;
* a failed request (timeout, refused, 5xx after retries) serves the last good copy, flagged stale.

Every outcome is written to :attr:`Fetcher.records`, from which ``JP_INFO``/``JP_STATUS`` report.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Callable, Protocol

import requests
import requests_cache
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from addin.config import Config
from addin.errors import AddinError, SourceUnavailable

log = logging.getLogger(__name__)

USER_AGENT = "jpflows/0.1 (+python-requests)"
BROWSER_USER_AGENT = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 "
    "(KHTML, like Gecko) Chrome/130.0 Safari/537.36"
)
DEFAULT_EXPIRE = timedelta(hours=1)
MAX_RETRY_WAIT = 10.0


class Getter(Protocol):
    def __call__(self, url: str, *, check: Callable[[bytes], object] | None = None,
                 headers: dict[str, str] | None = None, expire=None) -> bytes: ...


@dataclass
class FetchRecord:
    """What happened the last time a URL was asked for."""

    url: str
    source: str
    fetched_at: datetime | None
    stale: bool = False
    error: str | None = None


class _CappedRetry(Retry):
    """Honour ``Retry-After`` but never make a spreadsheet wait minutes for it."""

    def get_retry_after(self, response):
        wait = super().get_retry_after(response)
        return None if wait is None else min(wait, MAX_RETRY_WAIT)


def rewrite(url: str, mirror: tuple[tuple[str, str], ...]) -> str:
    """Apply ``JPFLOWS_MIRROR``: replace a matching origin, keep path and query."""
    for origin, replacement in mirror:
        if url == origin or url.startswith(origin + "/") or url.startswith(origin + "?"):
            return replacement + url[len(origin):]
    return url


def open_backend(config: Config):
    """The cache storage: SQLite in the cache dir, or Redis for a team."""
    if config.cache.startswith(("redis://", "rediss://")):
        import redis

        return requests_cache.RedisCache(
            namespace="jpflows", connection=redis.Redis.from_url(config.cache), serializer="json")
    if config.cache != "sqlite":
        raise SourceUnavailable(f"JPFLOWS_CACHE={config.cache!r}: use sqlite or a redis:// URL")
    config.cache_dir.mkdir(parents=True, exist_ok=True)
    path = config.cache_dir / "http_cache.sqlite"
    _set_aside_if_corrupt(path)
    return requests_cache.SQLiteCache(path, serializer="json", wal=True, busy_timeout=30_000)


def _set_aside_if_corrupt(path) -> None:
    """A truncated or garbage cache file is moved aside (kept for inspection), then rebuilt."""
    if not path.exists():
        return
    try:
        with sqlite3.connect(path) as db:
            ok = db.execute("PRAGMA quick_check").fetchone()[0] == "ok"
    except sqlite3.DatabaseError:
        ok = False
    if not ok:
        aside = path.with_name(f"{path.name}.corrupt-{datetime.now():%Y%m%d%H%M%S}")
        path.replace(aside)
        for suffix in ("-wal", "-shm"):
            path.with_name(path.name + suffix).unlink(missing_ok=True)
        log.warning("cache %s was corrupt; moved to %s and rebuilt", path, aside)


def build_session(config: Config) -> requests_cache.CachedSession:
    session = requests_cache.CachedSession(
        backend=open_backend(config), expire_after=DEFAULT_EXPIRE, stale_if_error=True,
        allowable_codes=(200,), cache_control=False)
    retry = _CappedRetry(total=3, backoff_factor=0.5, status_forcelist=(429, 500, 502, 503, 504),
                         allowed_methods=frozenset({"GET"}), respect_retry_after_header=True,
                         raise_on_status=False)
    adapter = HTTPAdapter(max_retries=retry)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    session.headers["User-Agent"] = USER_AGENT
    session.verify = True
    return session


class Fetcher:
    """Cached, mirrored, validated GETs. One per engine; thread-safe."""

    def __init__(self, config: Config, session: requests_cache.CachedSession | None = None):
        self.config = config
        self.session = session or build_session(config)
        self.records: dict[str, FetchRecord] = {}
        self.revalidate = False
        self._locks: defaultdict[str, threading.Lock] = defaultdict(threading.Lock)
        self._guard = threading.Lock()

    def get(self, url: str, *, check=None, headers=None, expire=None, source: str = "") -> bytes:
        """Return the body of ``url``: fresh from the cache, downloaded, or the last good copy."""
        real = rewrite(url, self.config.mirror)
        with self._guard:
            lock = self._locks[real]
        with lock:
            key = self._key(real, headers)
            cached = self.session.cache.get_response(key)
            if self.config.offline:
                return self._offline(url, source, cached)
            if cached is not None and not cached.is_expired and not self.revalidate:
                return self._served(url, source, cached)
            return self._download(url, real, key, cached, check, headers, expire, source)

    def _key(self, real: str, headers) -> str:
        request = requests.Request("GET", real, headers=headers or {}).prepare()
        return self.session.cache.create_key(request)

    def _offline(self, url, source, cached) -> bytes:
        if cached is None:
            self._record(url, source, None, stale=True, error="offline, nothing cached")
            raise SourceUnavailable(f"{source} offline and nothing cached; unset JPFLOWS_OFFLINE")
        return self._served(url, source, cached, stale=cached.is_expired)

    def _served(self, url, source, response, stale=False, error=None) -> bytes:
        self._record(url, source, response.created_at, stale=stale, error=error)
        return response.content

    def _download(self, url, real, key, cached, check, headers, expire, source) -> bytes:
        try:
            response = self.session.get(real, headers=headers, timeout=self.config.timeout,
                                        expire_after=expire if expire is not None else DEFAULT_EXPIRE,
                                        refresh=self.revalidate)
            problem = self._problem(response)
        except requests.RequestException as exc:
            response, problem = None, _describe(exc)
        if problem is None and not response.from_cache and check is not None:
            problem = self._validate(response, check, key, cached)
        if problem is not None:
            return self._fall_back(url, source, cached, problem)
        stale = response.from_cache and response.is_expired
        created = getattr(response, "created_at", None) or datetime.now(timezone.utc)
        self._record(url, source, created, stale=stale,
                     error="revalidation failed; serving the cached copy" if stale else None)
        return response.content

    def _problem(self, response) -> str | None:
        if response.status_code != 200:
            return f"HTTP {response.status_code}"
        if len(response.content) > self.config.max_response_bytes:
            return f"response larger than {self.config.max_response_bytes} bytes"
        if not response.content:
            return "empty response"
        return None

    def _validate(self, response, check, key, cached) -> str | None:
        try:
            check(response.content)
        except AddinError as exc:
            self._restore(key, cached)
            return str(exc)
        return None

    def _restore(self, key, cached) -> None:
        """Put the last good copy back in place of a download that failed validation."""
        if cached is None:
            self.session.cache.delete(key)
        else:
            self.session.cache.save_response(cached, cache_key=key, expires=cached.expires)

    def _fall_back(self, url, source, cached, problem: str) -> bytes:
        log.warning("%s: %s failed: %s", source, url, problem)
        if cached is None:
            self._record(url, source, None, stale=True, error=problem)
            raise SourceUnavailable(_unreachable(source, problem))
        return self._served(url, source, cached, stale=True, error=problem)

    def _record(self, url, source, fetched_at, stale, error) -> None:
        self.records[url] = FetchRecord(url, source, fetched_at, stale, error)


def _describe(exc: requests.RequestException) -> str:
    if isinstance(exc, requests.Timeout):
        return "timed out"
    if isinstance(exc, requests.ConnectionError):
        return "unreachable"
    return type(exc).__name__


def _unreachable(source: str, problem: str) -> str:
    if problem in ("timed out", "unreachable"):
        return f"{source} {problem}, nothing cached; check network or JPFLOWS_MIRROR"
    return f"{source}: {problem}; nothing cached"[:80]
