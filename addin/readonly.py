"""A cache file that may be read but not written: a read-only file system, or a shared folder.

requests-cache's SQLite backend writes as soon as it opens a file (it creates its tables and
switches the journal to WAL), so a cache the user cannot write used to look empty, and offline
nothing was served although the file was full. :class:`ReadOnlyCache` opens the file with
SQLite's ``mode=ro`` (or, when even the ``-shm`` file cannot be made, ``immutable=1``) and keeps
what this process downloads in memory, over the file.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from collections.abc import MutableMapping
from pathlib import Path

from addin.cachelib import DictStorage, json_serializer, requests_cache

log = logging.getLogger("addin.http")
_GONE = object()


class ReadOnlyTable(MutableMapping):
    """One table of a read-only cache file; what is written stays in memory, over the file."""

    def __init__(self, path: Path, table: str, serializer=None) -> None:
        self.path, self.table, self.serializer = path, table, serializer
        self._overlay: dict = {}
        self._lock = threading.Lock()
        self._db = _connect(path)

    def __getitem__(self, key):
        found = self._overlay.get(key)
        if found is _GONE:
            raise KeyError(key)
        if found is not None:
            return found
        rows = self._select("SELECT value FROM {} WHERE key = ?", (key,))
        if not rows:
            raise KeyError(key)
        return self.decode(rows[0][0])

    def written(self, key):
        """What this process wrote under ``key`` (kept in memory), or None."""
        found = self._overlay.get(key)
        return None if found is _GONE else found

    def raw(self, key) -> list:
        """``[(value,)]`` as the file stores it (undecoded), or ``[]``."""
        if self._overlay.get(key) is _GONE:
            return []
        return self._select("SELECT value FROM {} WHERE key = ?", (key,))

    def __setitem__(self, key, value) -> None:
        self._overlay[key] = value

    def __delitem__(self, key) -> None:
        self._overlay[key] = _GONE

    def __iter__(self):
        keys = {row[0] for row in self._select("SELECT key FROM {}", ())}
        keys.update(self._overlay)
        return iter([key for key in keys if self._overlay.get(key) is not _GONE])

    def __len__(self) -> int:
        return sum(1 for _ in self)

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def _select(self, sql: str, args: tuple) -> list:
        try:
            with self._lock:
                return self._db.execute(sql.format(self.table), args).fetchall()
        except sqlite3.OperationalError as exc:
            if "no such table" in str(exc):
                return []  # a file made before this table existed
            raise

    def decode(self, value):
        if self.serializer is None:
            return value
        try:
            return self.serializer.loads(value)
        except Exception:  # a garbled row is a missing one (the store validates the rest)
            return None


class ReadOnlyCache(requests_cache.BaseCache):
    """requests-cache's interface over a cache file opened read-only."""

    def __init__(self, path: Path) -> None:
        super().__init__(cache_name=str(path))
        self.path = Path(path)
        self.responses = ReadOnlyTable(self.path, "responses", json_serializer)
        self.redirects = DictStorage()
        log.info("cache %s is read-only: new downloads are kept in memory", path)

    def close(self) -> None:
        self.responses.close()


def _connect(path: Path) -> sqlite3.Connection:
    """The file opened read-only; ``immutable`` when SQLite cannot even make its lock file."""
    uri = path.resolve().as_uri()
    try:
        db = sqlite3.connect(f"{uri}?mode=ro", uri=True, check_same_thread=False)
        db.execute("SELECT count(*) FROM sqlite_master").fetchone()
        return db
    except sqlite3.OperationalError:
        return sqlite3.connect(f"{uri}?immutable=1", uri=True, check_same_thread=False)
