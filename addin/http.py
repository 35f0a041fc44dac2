"""The cache policy: when a publisher file is asked again, and what is served when that fails.

Callers ask :meth:`Fetcher.get` for a publisher URL and receive bytes. A copy younger than its
``expire`` is served from the :class:`~addin.cache.Store` without a request; an older one is
revalidated with the publisher (``If-None-Match`` / ``If-Modified-Since``, so an unchanged file
costs a 304). A download must be a complete 200 that passes the source's ``check`` *before* it is
stored, so a bad download never replaces the last good copy, not even for a moment. A failed
download serves that copy flagged stale, or raises :class:`SourceUnavailable`, and the failure is
remembered (:class:`~addin.failures.Failures`) so that a thousand cells do not ask a publisher
that is down. ``JPFLOWS_OFFLINE`` serves the store only; N threads asking for one URL cause one
request; :attr:`Fetcher.revalidate` (Refresh) asks every publisher again. What happened to each
URL goes to :attr:`Fetcher.records` for ``JP_INFO``/``JP_STATUS``. A stored copy is itself
untrusted: besides the store's own validation, the source's ``check`` must accept it once per
process before it is served or revalidated; one it refuses counts as missing. See
``docs/reliability.md``.
"""

from __future__ import annotations

import hashlib
import logging
import threading
from collections import defaultdict
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Callable, Iterator, Protocol

from addin import singleflight
from addin.cache import Store, sendable, stored
from addin.clock import Clock
from addin.config import Config, redact_url
from addin.errors import AddinError, LayoutChanged, SourceUnavailable
from addin.failures import Failures
from addin.transport import Answer, DownloadFailed, Transport

log = logging.getLogger(__name__)

DEFAULT_EXPIRE = timedelta(hours=1)
PUBLISHED = -1  # an ``expire`` meaning: published once, never changes


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
    expires: datetime | None = None  # when the copy served stops being fresh (None: never)


class Fetcher:
    """Cached, mirrored, validated GETs. One per engine; thread-safe."""

    def __init__(self, config: Config, transport: Transport | None = None,
                 store: Store | None = None, failures: Failures | None = None,
                 clock: Clock | None = None) -> None:
        self.config = config
        self.clock = clock or Clock()
        self.transport = transport or Transport(config)
        self.store = store or Store(config)
        self.failures = failures or Failures(config.recheck_seconds, self.clock)
        self.records: dict[str, FetchRecord] = {}
        self.revalidate = False
        # Called with (source, url) before each network request: progress for long backfills.
        self.on_download: Callable[[str, str], None] | None = None
        self._locks: defaultdict[str, threading.Lock] = defaultdict(threading.Lock)
        self._guard = threading.Lock()
        self._accepted: set[tuple[str, bytes]] = set()  # (url, digest) the check has passed
        self._asking = threading.local()

    def get(self, url: str, *, check=None, headers=None, expire=None, source: str = "") -> bytes:
        """Return the body of ``url``: fresh from the store, downloaded, or the last good copy."""
        asked = getattr(self._asking, "urls", None)
        if asked is not None:
            asked.append(url)
        with self._guard:
            lock = self._locks[url]
        with lock:
            cached = self._usable(url, self.store.get(url), check, source)
            if self.config.offline:
                return self._offline(url, source, cached)
            if cached is not None and not self._expired(cached) and not self.revalidate:
                return self._hit(url, source, cached)
            failure = None if self.revalidate else self.failures.recent(url)
            if failure is not None:
                return self._fall_back(url, source, cached, str(failure))
            return self._download_once(url, cached, check, headers, expire, source)

    def _download_once(self, url, cached, check, headers, expire, source) -> bytes:
        """Download under the cross-process lock of the URL (a no-op without Redis, or while the
        store's breaker keeps a stalled Redis out of the way)."""
        flight = (nullcontext(False) if self.store.breaker.open
                  else singleflight.flight(self.config, url))
        with flight:
            # Another worker may have downloaded it while this one waited for the lock.
            fresher = (self._usable(url, self.store.get(url), check, source)
                       if singleflight.shared(self.config) else None)
            if fresher is not None and not self._expired(fresher) and not self.revalidate:
                return self._hit(url, source, fresher)
            cached = fresher if fresher is not None else cached
            return self._download(url, cached, check, headers, expire, source)

    @contextmanager
    def asking(self) -> Iterator[list[str]]:
        """Collect the URLs this thread asks for during the block (what one Refresh step read)."""
        self._asking.urls = urls = []
        try:
            yield urls
        finally:
            self._asking.urls = None

    def _usable(self, url, cached, check, source):
        """The stored copy if the source's check accepts it (asked once per process and copy)."""
        if cached is None or check is None:
            return cached
        seen = (url, _digest(cached.content))
        if seen in self._accepted:
            return cached
        problem = _check(cached.content, check, source)
        if problem is not None:
            log.warning("%s: cached copy of %s refused: %s", source, redact_url(url)[:120],
                        problem)
            return None
        self._accepted.add(seen)
        return cached

    def cached(self, url: str):
        """The stored copy of a publisher URL (fresh or expired), or ``None``; no download."""
        return self.store.get(url)

    def copy_record(self, url: str, source: str, cached) -> FetchRecord:
        """The record of a stored copy not asked for in this process: stale when it is expired or
        its last download failed (in any process sharing the cache)."""
        failed = self._failed_since(url, cached)
        expired = self._expired(cached)
        stale = bool(failed) or expired
        return FetchRecord(url, source, cached.created_at, stale,
                           failed or ("expired copy; Refresh to update" if expired else None))

    def expired(self, response) -> bool:
        """Whether a stored copy is past its expiry on this fetcher's clock."""
        return self._expired(response)

    def _expired(self, response) -> bool:
        return response.expires is not None and response.expires <= self.clock.now()

    def _offline(self, url, source, cached) -> bytes:
        if cached is None:
            self._record(url, source, None, stale=True, error="offline, nothing cached")
            raise SourceUnavailable(f"{source} offline and nothing cached; unset JPFLOWS_OFFLINE")
        failed = self._failed_since(url, cached)
        return self._served(url, source, cached, stale=self._expired(cached) or bool(failed),
                            error=failed)

    def _hit(self, url, source, cached) -> bytes:
        previous = self.records.get(url)
        if previous and previous.stale and previous.fetched_at == cached.created_at:
            return cached.content  # the copy whose revalidation failed stays flagged stale
        failed = self._failed_since(url, cached)  # perhaps in another process, or before this one
        return self._served(url, source, cached, stale=bool(failed), error=failed)

    def _failed_since(self, url, cached) -> str | None:
        """Why the last download of ``url`` failed, if that was after ``cached`` was stored."""
        note = self.store.failure(url)
        if note is None or note.at < _aware(cached.created_at):
            return None
        return note.error

    def _served(self, url, source, response, stale=False, error=None) -> bytes:
        self._record(url, source, response.created_at, stale=stale, error=error,
                     expires=response.expires)
        return response.content

    def _download(self, url, cached, check, headers, expire, source) -> bytes:
        if self.on_download is not None:
            self.on_download(source, url)
        try:
            answer = self.transport.fetch(url, {**_validators(cached), **(headers or {})})
        except DownloadFailed as exc:
            return self._failed(url, source, cached, exc.problem)
        if answer.status == 304 and cached is not None:
            # Unchanged: another expiry window for a copy that passed the check when it was read.
            body, sent = cached.content, cached.headers
        else:
            problem = _status_problem(answer) or _check(answer.body, check, source)
            if problem is not None and 400 <= answer.status < 500:
                problem = _explained(answer.body, check) or problem
            if problem is not None:
                return self._failed(url, source, cached, problem)
            body, sent = answer.body, answer.headers
        now = self.clock.now()
        created = cached.created_at if answer.status == 304 else now
        self.failures.forget(url)
        expires = _expiry(now, expire)
        self.store.put(url, stored(url, body, sent, created, expires))
        if self.store.failure(url) is not None:
            self.store.clear_failure(url)
        if check is not None:
            self._accepted.add((url, _digest(body)))
        self._record(url, source, now, stale=False, error=None, expires=expires)
        return body

    def _failed(self, url, source, cached, problem: str) -> bytes:
        log.warning("%s: %s failed: %s", source, redact_url(url), problem)
        self.failures.remember(url, SourceUnavailable(problem, source, problem))
        self.store.note_failure(url, source, problem, self.clock.now())
        return self._fall_back(url, source, cached, problem)

    def _fall_back(self, url, source, cached, problem: str) -> bytes:
        if cached is None:
            self._record(url, source, None, stale=True, error=problem)
            raise SourceUnavailable.nothing_cached(source, problem,
                                                   self.transport.real_url(url) != url)
        return self._served(url, source, cached, stale=True, error=problem)

    def _record(self, url, source, fetched_at, stale, error, expires=None) -> None:
        # Copy on write: a reader iterating the records never sees the dict change under it.
        with self._guard:
            self.records = {**self.records,
                            url: FetchRecord(url, source, fetched_at, stale, error, expires)}


def _aware(when: datetime) -> datetime:
    return when if when.tzinfo else when.replace(tzinfo=timezone.utc)


def _digest(body: bytes) -> bytes:
    return hashlib.blake2b(body, digest_size=16).digest()


def _expiry(now: datetime, expire) -> datetime | None:
    """When a copy stored ``now`` stops being fresh; ``None`` for a file published for good."""
    if expire is None:
        return now + DEFAULT_EXPIRE
    if expire == PUBLISHED:
        return None
    return now + (expire if isinstance(expire, timedelta) else timedelta(seconds=expire))


def _validators(cached) -> dict[str, str]:
    """Conditional-request headers, so an unchanged file costs a 304 instead of a download.

    A validator that could not be sent back as it is (a garbled or forged copy) is left out:
    the file is then simply downloaded again.
    """
    if cached is None:
        return {}
    pairs = (("If-None-Match", "ETag"), ("If-Modified-Since", "Last-Modified"))
    return {ask: cached.headers[name] for ask, name in pairs
            if sendable(name, cached.headers.get(name))}


def _check(body: bytes, check, source: str) -> str | None:
    """The source's objection to a download, or ``None`` when it may be stored."""
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


def _status_problem(answer: Answer) -> str | None:
    if answer.status == 429:
        return "HTTP 429 (rate limited)"
    if answer.status != 200:
        return f"HTTP {answer.status}"
    if not answer.body.strip():
        return "empty response"
    return None
