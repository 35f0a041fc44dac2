"""Where cached responses are stored: SQLite in the cache folder, or Redis shared by a team.

Rows are JSON (never pickle). A truncated or garbage SQLite file is moved aside, kept for
inspection, and a new one is built; a folder that cannot hold a file leaves an in-memory cache.
"""

from __future__ import annotations

import logging
import sqlite3
from datetime import datetime
from pathlib import Path

import requests_cache

from addin.config import Config
from addin.errors import SourceUnavailable

log = logging.getLogger("addin.http")

CACHE_FILE = "http_cache.sqlite"
_CORRUPTION = ("SQLITE_CORRUPT", "SQLITE_NOTADB")


def open_backend(config: Config):
    """The cache storage: SQLite in the cache dir, or Redis for a team (JSON rows, never pickle)."""
    if config.cache.startswith(("redis://", "rediss://")):
        return _redis_backend(config)
    if config.cache != "sqlite":
        # The value is not echoed: a mistyped Redis URL may still hold a password.
        raise SourceUnavailable("JPFLOWS_CACHE must be sqlite or a redis://host:port URL")
    path = config.cache_dir / CACHE_FILE
    try:
        config.cache_dir.mkdir(parents=True, exist_ok=True)
        _set_aside_if_corrupt(path)
        return requests_cache.SQLiteCache(path, serializer="json", wal=True, busy_timeout=30_000)
    except (OSError, sqlite3.Error) as exc:  # e.g. the folder is a file: answer, cache in memory
        log.warning("cache %s unusable (%s); caching in memory only", path, exc)
        return requests_cache.BaseCache()


def _redis_backend(config: Config):
    import redis

    connection = redis.Redis.from_url(config.cache, socket_timeout=config.timeout,
                                      socket_connect_timeout=config.timeout)
    # No Redis TTL: an expired copy must stay, as the fallback while a publisher is down.
    return requests_cache.RedisCache(namespace="jpflows", connection=connection,
                                     serializer="json", ttl=False)


def _set_aside_if_corrupt(path: Path) -> bool:
    """Move a truncated or garbage cache file aside (kept for inspection); True if moved."""
    if not path.is_file() or not _is_corrupt(path):
        return False
    aside = path.with_name(f"{path.name}.corrupt-{datetime.now():%Y%m%d%H%M%S%f}")
    try:
        path.replace(aside)
    except OSError as exc:  # another process set it aside first, or holds it open (Windows)
        log.warning("cache %s is corrupt but could not be moved: %s", path, exc)
        return False
    for suffix in ("-wal", "-shm"):
        path.with_name(path.name + suffix).unlink(missing_ok=True)
    log.warning("cache %s was corrupt; moved to %s and rebuilt", path, aside.name)
    return True


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
