"""The last failed download of each file, kept with the cache so every process can see it.

When a download fails and the last good copy is served instead, that copy is stale, and whoever
reads it next (another Excel session, ``jpflows status``, a colleague on the team's Redis) must be
told so, with the reason, until a download of that file succeeds. A :class:`Notes` keeps one small
record per file beside the copies: SQLite table ``outcomes``, Redis keys ``jpflows-outcomes:*``, a
dict for a cache in memory. Records are sealed like entries when ``JPFLOWS_CACHE_SECRET`` is set;
one that does not read as a record is ignored.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import datetime, timezone

from addin.cachelib import DictStorage, SQLiteDict, is_redis, redis_backend, requests_cache

from addin.integrity import Seal
from addin.readonly import ReadOnlyCache, ReadOnlyTable

log = logging.getLogger("addin.http")

TABLE = "outcomes"
MAX_TEXT = 300


@dataclass(frozen=True)
class Note:
    """A file's last failed download: which file, of which source, why, and when."""

    url: str
    source: str
    error: str
    at: datetime


def storage(backend):
    """Where the notes of ``backend`` live (beside its copies, in the same file or server)."""
    if isinstance(backend, ReadOnlyCache):
        return ReadOnlyTable(backend.path, TABLE)
    if isinstance(backend, requests_cache.SQLiteCache):
        return SQLiteDict(backend.responses.db_path, table_name=TABLE, serializer=None, wal=True,
                          busy_timeout=30_000)
    if is_redis(backend):
        return redis_backend().RedisDict("jpflows-" + TABLE, serializer=None, ttl=False,
                                         connection=backend.responses.connection)
    return DictStorage()


class Notes:
    """Failure notes by cache key, over one storage; a storage error is the caller's to handle."""

    def __init__(self, table, seal: Seal) -> None:
        self.table = table
        self.seal = seal

    def put(self, key: str, url: str, source: str, error: str, at: datetime) -> None:
        record = {"url": url, "source": source, "error": str(error)[:MAX_TEXT],
                  "at": at.astimezone(timezone.utc).isoformat()}
        self.table[key] = json.dumps(self.seal.note(record))

    def get(self, key: str) -> Note | None:
        try:
            value = self.table[key]
        except KeyError:
            return None
        return self._read(value)

    def drop(self, key: str) -> None:
        try:
            del self.table[key]
        except KeyError:
            pass

    def all(self) -> list[Note]:
        """Every note that reads as one (a damaged or unsealed one is skipped)."""
        return [note for value in list(self.table.values()) if (note := self._read(value))]

    def _read(self, value) -> Note | None:
        try:
            record = json.loads(value)
        except (TypeError, ValueError):
            return None
        if self.seal.note_problem(record) is not None:
            return None
        try:
            at = datetime.fromisoformat(record["at"])
            return Note(str(record["url"]), str(record["source"]), str(record["error"])[:MAX_TEXT],
                        at if at.tzinfo else at.replace(tzinfo=timezone.utc))
        except (KeyError, TypeError, ValueError):
            return None
