"""The one HTTP layer: a ``requests_cache.CachedSession`` configured once for the process.

Callers ask :meth:`Fetcher.get` for a publisher URL and receive bytes. ``JPFLOWS_MIRROR``
rewrites the origin, ``JPFLOWS_OFFLINE`` serves the cache only, and N threads asking for one URL
cause one request. A download is streamed (refused once past ``Config.max_response_bytes``) and
must be a complete 200 that passes the source's ``check`` *before* it is cached, so a bad
download never replaces the last good copy, not even for a moment. A failed download serves that
copy flagged stale, or raises a cell-sized :class:`SourceUnavailable`, and is remembered for
``Config.recheck_seconds``. A cache that cannot be read counts as a miss; a corrupt SQLite file
is set aside and rebuilt. Outcomes go to :attr:`Fetcher.records` for ``JP_INFO``/``JP_STATUS``.
See ``docs/reliability.md``.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Callable, Protocol

import requests
import requests_cache
from requests.adapters import HTTPAdapter
from urllib3.exceptions import ReadTimeoutError
from urllib3.util.retry import Retry

from addin.cache import CACHE_FILE, _is_corruption, _set_aside_if_corrupt, open_backend  # noqa: F401
from addin import singleflight
from addin.config import Config, redact_url
from addin.errors import AddinError, LayoutChanged, SourceUnavailable

log = logging.getLogger(__name__)

USER_AGENT = "jpflows/0.1 (+python-requests)"
BROWSER_USER_AGENT = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 "
    "(KHTML, like Gecko) Chrome/130.0 Safari/537.36"
)
DEFAULT_EXPIRE = timedelta(hours=1)
MAX_RETRY_WAIT = 10.0
MAX_MESSAGE = 75  # "#N/A " plus the message stays within Excel's 80 characters
TIMED_OUT, UNREACHABLE = "timed out", "unreachable"
_CHUNK = 64 * 1024


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


class _BadDownload(Exception):
    """A response that arrived but may not be kept (too large, too slow)."""


class _CappedRetry(Retry):
    """Honour ``Retry-After`` but never make a spreadsheet wait minutes for it."""

    def __init__(self, *args, max_wait: float = MAX_RETRY_WAIT, **kwargs):
        super().__init__(*args, **kwargs)
        self.max_wait = max_wait

    def new(self, **kwargs) -> "_CappedRetry":
        retry = super().new(**kwargs)
        retry.max_wait = self.max_wait
        return retry

    def get_retry_after(self, response):
        wait = super().get_retry_after(response)
        return None if wait is None else min(wait, self.max_wait)


def rewrite(url: str, mirror: tuple[tuple[str, str], ...]) -> str:
    """Apply ``JPFLOWS_MIRROR``: replace a matching origin, keep path and query."""
    for origin, replacement in mirror:
        if url == origin or url.startswith(origin + "/") or url.startswith(origin + "?"):
            return replacement + url[len(origin):]
    return url


def build_session(config: Config) -> requests_cache.CachedSession:
    """The process's session: cache backend, capped retries, TLS verification on."""
    session = requests_cache.CachedSession(
        backend=open_backend(config), expire_after=DEFAULT_EXPIRE, stale_if_error=True,
        allowable_codes=(200,), cache_control=False)
    # A read timeout is not retried: each retry would add a whole timeout to the user's wait.
    retry = _CappedRetry(total=3, connect=2, read=False, status=3, backoff_factor=0.5,
                         status_forcelist=(429, 500, 502, 503, 504),
                         allowed_methods=frozenset({"GET"}), respect_retry_after_header=True,
                         raise_on_status=False, max_wait=min(MAX_RETRY_WAIT, config.timeout))
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
        # Called with (source, url) before each network request: progress for long backfills.
        self.on_download: Callable[[str, str], None] | None = None
        self._locks: defaultdict[str, threading.Lock] = defaultdict(threading.Lock)
        self._guard = threading.Lock()
        self._failures: dict[str, tuple[float, str]] = {}

    def get(self, url: str, *, check=None, headers=None, expire=None, source: str = "") -> bytes:
        """Return the body of ``url``: fresh from the cache, downloaded, or the last good copy."""
        real = rewrite(url, self.config.mirror)
        with self._guard:
            lock = self._locks[real]
        with lock:
            key = self._key(url, headers)  # the publisher's URL: any mirror shares the copy
            cached = self._read(key)
            if self.config.offline:
                return self._offline(url, source, cached)
            if cached is not None and not cached.is_expired and not self.revalidate:
                return self._hit(url, source, cached)
            failure = None if self.revalidate else self._recent_failure(real)
            if failure is not None:
                return self._fall_back(url, source, cached, failure)
            return self._download_once(url, real, key, cached, check, headers, expire, source)

    def _download_once(self, url, real, key, cached, check, headers, expire, source) -> bytes:
        """Download under the cross-process lock of the URL (a no-op without Redis)."""
        with singleflight.flight(self.config, url):
            # Another worker may have downloaded it while this one waited for the lock.
            stored = self._read(key) if singleflight.shared(self.config) else None
            if stored is not None and not stored.is_expired and not self.revalidate:
                return self._hit(url, source, stored)
            cached = stored if stored is not None else cached
            return self._download(url, real, key, cached, check, headers, expire, source)

    def cached(self, url: str):
        """The cached copy of a publisher URL (fresh or expired), or ``None``; no download."""
        return self._read(self._key(url, None))

    def _key(self, url: str, headers) -> str:
        request = requests.Request("GET", url, headers=headers or {}).prepare()
        return self.session.cache.create_key(request)

    def _offline(self, url, source, cached) -> bytes:
        if cached is None:
            self._record(url, source, None, stale=True, error="offline, nothing cached")
            raise SourceUnavailable(f"{source} offline and nothing cached; unset JPFLOWS_OFFLINE")
        return self._served(url, source, cached, stale=cached.is_expired)

    def _hit(self, url, source, cached) -> bytes:
        previous = self.records.get(url)
        if previous and previous.stale and previous.fetched_at == cached.created_at:
            return cached.content  # the copy whose revalidation failed stays flagged stale
        return self._served(url, source, cached)

    def _served(self, url, source, response, stale=False, error=None) -> bytes:
        self._record(url, source, response.created_at, stale=stale, error=error)
        return response.content

    def _recent_failure(self, real: str) -> str | None:
        failed = self._failures.get(real)
        if failed and time.monotonic() - failed[0] < self.config.recheck_seconds:
            return failed[1]
        return None

    def _download(self, url, real, key, cached, check, headers, expire, source) -> bytes:
        if self.on_download is not None:
            self.on_download(source, url)
        try:
            response = self._fetch(real, headers, cached)
        except (requests.RequestException, _BadDownload) as exc:
            return self._failed(url, real, source, cached, _describe(exc))
        if response.status_code == 304 and cached is not None:
            response = cached  # unchanged at the publisher: keep it for another expiry window
        else:
            problem = _status_problem(response) or self._check(response.content, check, source)
            if problem is not None and 400 <= response.status_code < 500:
                problem = _explained(response.content, check) or problem
            if problem is not None:
                return self._failed(url, real, source, cached, problem)
        self._failures.pop(real, None)
        self._write(key, response, expire)
        self._record(url, source, datetime.now(timezone.utc), stale=False, error=None)
        return response.content

    def _fetch(self, real: str, headers, cached) -> requests.Response:
        """GET, streamed so that an oversized or endless body is refused while it arrives."""
        response = _network_view(self.session).get(
            real, headers={**_validators(cached), **(headers or {})}, stream=True,
            timeout=self.config.timeout)
        with response:
            # A 200 is the file; a 4xx body may explain the refusal (the BOJ API answers in JSON).
            if response.status_code == 200 or 400 <= response.status_code < 500:
                response._content = self._body(response)  # what Response.content would hold
                response._content_consumed = True
        return response

    def _body(self, response: requests.Response) -> bytes:
        limit = self.config.max_response_bytes
        declared = response.headers.get("Content-Length", "")
        if declared.isdigit() and int(declared) > limit:
            raise _BadDownload(f"larger than {limit:,} bytes")
        deadline = time.monotonic() + self.config.timeout
        chunks, size = [], 0
        for chunk in response.iter_content(_CHUNK):
            size += len(chunk)
            if size > limit:
                raise _BadDownload(f"larger than {limit:,} bytes")
            if time.monotonic() > deadline:
                raise _BadDownload(TIMED_OUT)
            chunks.append(chunk)
        return b"".join(chunks)

    def _check(self, body: bytes, check, source: str) -> str | None:
        if check is None:
            return None
        try:
            check(body)
        except AddinError as exc:
            return str(exc)
        except Exception:  # a parser bug on unseen bytes must not let them into the cache
            log.exception("%s: the layout check crashed on a download", source)
            return f"{source}: file not readable"
        return None

    def _failed(self, url, real, source, cached, problem: str) -> bytes:
        log.warning("%s: %s failed: %s", source, redact_url(url), problem)
        self._failures[real] = (time.monotonic(), problem)
        return self._fall_back(url, source, cached, problem)

    def _fall_back(self, url, source, cached, problem: str) -> bytes:
        if cached is None:
            self._record(url, source, None, stale=True, error=problem)
            raise SourceUnavailable(unavailable_message(source, problem))
        return self._served(url, source, cached, stale=True, error=problem)

    def _record(self, url, source, fetched_at, stale, error) -> None:
        # Copy on write: a reader iterating the records never sees the dict change under it.
        with self._guard:
            self.records = {**self.records, url: FetchRecord(url, source, fetched_at, stale, error)}

    def _read(self, key: str):
        """The cached response, or ``None``; an entry that cannot be read counts as missing."""
        backend = self.session.cache
        try:
            return backend.get_response(key)
        except Exception as exc:  # whatever the backend raises, the publisher can still answer
            self._cache_trouble("read", exc, backend)
            return None

    def _write(self, key: str, response, expire) -> None:
        backend = self.session.cache
        expires = requests_cache.get_expiration_datetime(
            DEFAULT_EXPIRE if expire is None else expire)
        try:
            backend.save_response(response, cache_key=key, expires=expires)
        except Exception as exc:  # a full disk or a lost Redis costs the cache, not the answer
            self._cache_trouble("write", exc, backend)

    def _cache_trouble(self, action: str, exc: Exception, backend) -> None:
        log.warning("cache %s: %s failed (%s: %s)", self.config.cache_label, action,
                    type(exc).__name__, str(exc)[:120])
        if _is_corruption(exc) and isinstance(backend, requests_cache.SQLiteCache):
            self._rebuild_cache(backend)

    def _rebuild_cache(self, broken) -> None:
        """Set a cache file aside that went bad while open, and continue with a new one."""
        with self._guard:
            if self.session.cache is not broken:
                return  # another thread has rebuilt it already
            # Not closed: other threads may be reading on its connection, and closing under
            # them crashes the interpreter; it is closed once the last of them lets go of it.
            # Checked again, not assumed: another process may have rebuilt the file by now.
            _set_aside_if_corrupt(Path(broken.responses.db_path))
            fresh = open_backend(self.config)
            fresh._settings = self.session.settings
            self.session.cache = fresh


def _network_view(session: requests.Session) -> requests.Session:
    """A plain session sharing the cached one's adapters, headers and TLS settings.

    Downloads use it: the cached session would store a response before it could be checked.
    """
    plain = requests.Session()
    plain.headers, plain.verify, plain.cert = session.headers, session.verify, session.cert
    plain.proxies, plain.trust_env = session.proxies, session.trust_env
    plain.adapters = session.adapters
    return plain


def _validators(cached) -> dict[str, str]:
    """Conditional-request headers, so an unchanged file costs a 304 instead of a download."""
    found = {}
    if cached is not None and cached.headers.get("ETag"):
        found["If-None-Match"] = cached.headers["ETag"]
    if cached is not None and cached.headers.get("Last-Modified"):
        found["If-Modified-Since"] = cached.headers["Last-Modified"]
    return found


def _explained(body: bytes, check) -> str | None:
    """A refusal the source recognises in the body (the BOJ API answers errors in JSON).

    A body the source cannot read at all (an HTML 404 page) explains nothing: the HTTP status
    is then the better message.
    """
    if check is None or not body:
        return None
    try:
        check(body)
    except LayoutChanged:
        return None
    except AddinError as exc:
        return str(exc)
    except Exception:  # a parser bug on an error page must not hide the status
        return None
    return None


def _status_problem(response) -> str | None:
    if response.status_code == 429:
        return "HTTP 429 (rate limited)"
    if response.status_code != 200:
        return f"HTTP {response.status_code}"
    if not response.content.strip():
        return "empty response"
    return None


def _describe(exc: Exception) -> str:
    """What went wrong, in a user's words."""
    if isinstance(exc, _BadDownload):
        return str(exc)
    cause = exc.args[0] if exc.args else None
    if isinstance(exc, requests.Timeout) or isinstance(cause, ReadTimeoutError):
        return TIMED_OUT
    if isinstance(exc, (requests.exceptions.ChunkedEncodingError,
                        requests.exceptions.ContentDecodingError)):
        return "download cut short"
    if isinstance(exc, requests.exceptions.SSLError):
        return "TLS certificate check failed"
    if isinstance(exc, requests.ConnectionError):
        return UNREACHABLE
    return type(exc).__name__


def unavailable_message(source: str, problem: str) -> str:
    """The cell text when a download failed and nothing is cached: at most 75 characters."""
    if problem in (TIMED_OUT, UNREACHABLE):
        options = [f"{source} {problem}, nothing cached; check network or JPFLOWS_MIRROR",
                   f"{source} {problem}, nothing cached; check network"]
    elif problem.startswith("HTTP "):
        options = [f"{source} answered {problem}, nothing cached; check JPFLOWS_MIRROR or later",
                   f"{source} answered {problem}, nothing cached"]
    else:
        named = problem if problem.split(" ")[0] == source.split(" ")[0] else f"{source}: {problem}"
        options = [f"{named}; nothing cached", named]
    fitting = [text for text in options if len(text) <= MAX_MESSAGE]
    return fitting[0] if fitting else options[-1][:MAX_MESSAGE - 1] + "…"
