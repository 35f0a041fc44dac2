"""Where downloaded files are kept: requests-cache's SQLite backend, or Redis shared by a team.

requests-cache is used as storage only: a :class:`Store` keeps each publisher file as a
``CachedResponse`` (JSON rows, never pickle) under the key requests-cache derives from the
publisher's URL, so a copy stays valid whatever mirror fetched it. When a copy is fresh, what to
do when a download fails and so on is decided by :mod:`addin.http`. A cache that cannot be read
counts as a miss; a truncated or garbage SQLite file is moved aside, kept for inspection, and a new
one is built; a folder that cannot hold a file leaves an in-memory cache. Every entry read back is
validated (:mod:`addin.integrity`) and, with ``JPFLOWS_CACHE_SECRET``, must carry the team's seal:
a bad entry counts as a miss.
"""

from __future__ import annotations

import json
import logging
import os
import re
import sqlite3
import threading
from datetime import datetime
from functools import lru_cache
from pathlib import Path

import requests
from requests.structures import CaseInsensitiveDict

from addin import integrity, notes, rows
from addin import breaker as breakers
from addin.config import Config, redact_url
from addin.errors import SourceUnavailable
from addin.cachelib import CachedRequest, DictStorage, redis_backend, requests_cache
from addin.readonly import ReadOnlyCache

log = logging.getLogger("addin.http")

CACHE_FILE = "http_cache.sqlite"
CHECKED_SUFFIX = ".checked"  # size and mtime of the file when SQLite last found it sound
_CORRUPTION = ("SQLITE_CORRUPT", "SQLITE_NOTADB")
# Kept with a copy: the validators of its next revalidation, and what it is. Never cookies.
KEPT_HEADERS = ("ETag", "Last-Modified", "Content-Type")
_PRINTABLE = re.compile(r"[\x20-\x7e]{1,200}")


def open_backend(config: Config):
    """The cache storage: SQLite in the cache dir, or Redis for a team (JSON rows, never pickle)."""
    if config.cache.startswith(("redis://", "rediss://")):
        return _redis_backend(config)
    if config.cache != "sqlite":
        # The value is not echoed: a mistyped Redis URL may still hold a password.
        raise SourceUnavailable("JPFLOWS_CACHE must be sqlite or a redis://host:port URL")
    path = config.cache_dir / CACHE_FILE
    if _read_only(path):
        return ReadOnlyCache(path)
    try:
        config.cache_dir.mkdir(parents=True, exist_ok=True)
        _set_aside_if_corrupt(path, trust_unchanged=True)
        return requests_cache.SQLiteCache(path, serializer="json", wal=True, busy_timeout=30_000)
    except (OSError, sqlite3.Error) as exc:  # e.g. the folder is a file: answer, cache in memory
        if path.is_file() and "readonly" in str(exc).replace("-", "").replace(" ", ""):
            return ReadOnlyCache(path)  # a read-only file system that os.access did not tell
        log.warning("cache %s unusable (%s); caching in memory only", path, exc)
        return requests_cache.BaseCache()


def _read_only(path: Path) -> bool:
    """A cache file this process may read but not write (nor create its journal beside)."""
    return path.is_file() and not (os.access(path, os.W_OK) and os.access(path.parent, os.W_OK))


def _redis_backend(config: Config):
    import redis
    from redis.backoff import NoBackoff
    from redis.retry import Retry

    backend = redis_backend()
    # Short timeouts of its own and no retries: a cache that does not answer at once is
    # skipped (see Store's breaker), it must not cost a publisher's timeout several times over.
    connection = redis.Redis.from_url(config.cache, socket_timeout=config.cache_timeout,
                                      socket_connect_timeout=config.cache_timeout,
                                      retry=Retry(NoBackoff(), 0))
    # No Redis TTL: an expired copy must stay, as the fallback while a publisher is down.
    return backend.RedisCache(namespace="jpflows", connection=connection,
                                     serializer="json", ttl=False)


def sendable(name: str, value) -> bool:
    """Whether a header value may be kept and sent back: short printable ASCII, so a forged or
    garbled validator can never break a later request (the publisher judges the rest)."""
    return isinstance(value, str) and _PRINTABLE.fullmatch(value) is not None


def kept_headers(headers) -> CaseInsensitiveDict:
    """The :data:`KEPT_HEADERS` of an answer whose values are :func:`sendable`."""
    given = CaseInsensitiveDict(headers or {})
    return CaseInsensitiveDict({name: given[name] for name in KEPT_HEADERS
                                if sendable(name, given.get(name))})


def stored(url: str, body: bytes, headers, created: datetime, expires: datetime | None):
    """The cache's record of one downloaded file (only its :func:`kept_headers`)."""
    return requests_cache.CachedResponse(
        content=body, status_code=200, reason="OK", url=url, headers=kept_headers(headers),
        request=CachedRequest(method="GET", url=url, headers=CaseInsensitiveDict()),
        created_at=created, expires=expires)


class Store:
    """Publisher files by URL, in the configured backend; trouble costs the cache, never the answer."""

    def __init__(self, config: Config) -> None:
        self.config = config
        self.backend = open_backend(config)
        self.seal = integrity.Seal(config.cache_secret)
        self.notes = self._open_notes()
        self.breaker = breakers.Breaker()
        self._memory = (requests_cache.BaseCache(), notes.Notes(DictStorage(), self.seal))
        self._lock = threading.Lock()

    @staticmethod
    def key(url: str) -> str:
        """requests-cache's key of a publisher URL (its query normalised)."""
        return _key(url)

    def _where(self):
        """The backend and notes in use: the configured ones, or memory while the breaker is open."""
        return self._memory if self.breaker.open else (self.backend, self.notes)

    def get(self, url: str):
        """The stored copy of ``url`` (fresh or expired), or ``None`` (also for a bad entry)."""
        backend, key = self._where()[0], self.key(url)
        cap = self.config.max_response_bytes
        try:
            response = rows.read(backend.responses, key, cap)
        except Exception as exc:  # whatever the backend raises, the publisher can still answer
            self._trouble("read", exc, backend)
            return None
        if response is None:
            return None
        problem = (integrity.problem(response, key, cap, self.key)
                   or self.seal.problem(key, response))
        if problem is not None:
            log.warning("cache %s: copy of %s refused (%s)", self.config.cache_label,
                        redact_url(url)[:120], problem)
            return None
        return response

    def put(self, url: str, response) -> None:
        backend, key = self._where()[0], self.key(url)
        self.seal.close(key, response)
        try:
            backend.save_response(response, cache_key=key, expires=response.expires)
        except Exception as exc:  # a full disk or a lost Redis costs the cache, not the answer
            self._trouble("write", exc, backend)

    def _open_notes(self) -> notes.Notes:
        try:
            return notes.Notes(notes.storage(self.backend), self.seal)
        except Exception as exc:  # the notes are worth less than the copies: keep them in memory
            log.warning("cache %s: failure notes kept in memory (%s)", self.config.cache_label,
                        type(exc).__name__)
            return notes.Notes(DictStorage(), self.seal)

    def failure(self, url: str) -> notes.Note | None:
        """The last failed download of ``url`` not yet followed by a good one, or ``None``."""
        return self._noted("read", lambda book: book.get(self.key(url)))

    def failures(self) -> list[notes.Note]:
        """Every such failure, of every file."""
        return self._noted("read", lambda book: book.all()) or []

    def note_failure(self, url: str, source: str, error: str, at: datetime) -> None:
        """Keep, for every process, that downloading ``url`` failed (the copy is now stale)."""
        self._noted("write", lambda book: book.put(self.key(url), url, source, error, at))

    def clear_failure(self, url: str) -> None:
        self._noted("write", lambda book: book.drop(self.key(url)))

    def _noted(self, action: str, use):
        backend, book = self._where()
        try:
            return use(book)
        except Exception as exc:  # like any cache trouble: it costs the note, not the answer
            self._trouble(action, exc, backend)
            return None

    def _trouble(self, action: str, exc: Exception, backend) -> None:
        if breakers.is_stall(exc):
            if self.breaker.trip():
                log.warning("cache %s: %s failed (%s); caching in memory for %.0f s",
                            self.config.cache_label, action, type(exc).__name__, breakers.OPEN_SECONDS)
            return
        log.warning("cache %s: %s failed (%s: %s)", self.config.cache_label, action,
                    type(exc).__name__, str(exc)[:120])
        if _is_corruption(exc) and isinstance(backend, requests_cache.SQLiteCache):
            self._rebuild(backend)

    def _rebuild(self, broken) -> None:
        """Set a cache file aside that went bad while open, and continue with a new one."""
        with self._lock:
            if self.backend is not broken:
                return  # another thread has rebuilt it already
            # Not closed: other threads may be reading on its connection, and closing under
            # them crashes the interpreter; it is closed once the last of them lets go of it.
            # Checked again, not assumed: another process may have rebuilt the file by now.
            _set_aside_if_corrupt(Path(broken.responses.db_path))
            self.backend = open_backend(self.config)
            self.notes = self._open_notes()


@lru_cache(maxsize=8192)
def _key(url: str) -> str:
    # Normalising a URL costs about half a millisecond; a file is looked up by it several
    # times on every recheck (its copy, the URL that copy claims, its failure note).
    return requests_cache.create_key(requests.Request("GET", url).prepare())


def _set_aside_if_corrupt(path: Path, trust_unchanged: bool = False) -> bool:
    """Move a truncated or garbage cache file aside (kept for inspection); True if moved.

    With ``trust_unchanged`` a file whose size and modification time are those of the last
    clean check is not checked again: a healthy cache costs no full read when Excel starts.
    """
    if not path.is_file():
        return False
    if trust_unchanged and _checked_signature(path) == _signature(path):
        return False
    if not _is_corrupt(path):
        _remember_clean(path)
        return False
    aside = path.with_name(f"{path.name}.corrupt-{datetime.now():%Y%m%d%H%M%S%f}")
    try:
        path.replace(aside)
    except OSError as exc:  # another process set it aside first, or holds it open (Windows)
        log.warning("cache %s is corrupt but could not be moved: %s", path, exc)
        return False
    for suffix in ("-wal", "-shm", CHECKED_SUFFIX):
        path.with_name(path.name + suffix).unlink(missing_ok=True)
    log.warning("cache %s was corrupt; moved to %s and rebuilt", path, aside.name)
    return True


def _signature(path: Path) -> list:
    """Size and mtime of the file and of its write-ahead log (absent: zeros)."""
    found = []
    for name in (path.name, path.name + "-wal"):
        try:
            status = path.with_name(name).stat()
            found += [status.st_size, status.st_mtime_ns]
        except OSError:
            found += [0, 0]
    return found


def _checked_signature(path: Path) -> list | None:
    try:
        return json.loads(path.with_name(path.name + CHECKED_SUFFIX).read_text("ascii"))
    except (OSError, ValueError):
        return None


def _remember_clean(path: Path) -> None:
    try:
        path.with_name(path.name + CHECKED_SUFFIX).write_text(json.dumps(_signature(path)),
                                                             "ascii")
    except OSError:  # a read-only folder: the check simply runs again next time
        pass


def _is_corrupt(path: Path) -> bool:
    """SQLite's own structural check; a busy or locked file is not a corrupt one."""
    db = sqlite3.connect(path, timeout=30)
    try:
        return db.execute("PRAGMA quick_check").fetchone()[0] != "ok"
    except sqlite3.DatabaseError as exc:
        return _is_corruption(exc)
    finally:
        db.close()


def _is_corruption(exc: BaseException) -> bool:
    name = getattr(exc, "sqlite_errorname", "")
    text = str(exc)
    return isinstance(exc, sqlite3.DatabaseError) and (
        name.startswith(_CORRUPTION) or "malformed" in text or "not a database" in text)
