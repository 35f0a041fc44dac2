"""The engine's side of the persisted store: the frames it holds, which it may trust, what it keeps.

A :class:`Loaded` is one source key's parsed frame in memory. The :class:`Keeper` answers, for a
key, the head still fresh (so the frame can be had without the HTTP layer), the frame of a
fingerprint (so the same bytes are never parsed twice), each file's kept check results, and
keeps what a download produced.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

import pandas as pd

from addin.column import Column
from addin.persisted import Head, ParsedStore, Part

if TYPE_CHECKING:
    from addin.getter import Getter


class Loaded:
    """A parsed frame of one (source, key), the fingerprint of the bytes it came from, when it
    is due for its recheck, when each file was fetched, and its columns as arrays."""

    __slots__ = ("frame", "fingerprint", "urls", "recheck_at", "fetched", "columns", "key")

    def __init__(self, frame: pd.DataFrame, fingerprint: str | None, urls: tuple[str, ...],
                 recheck_at: float, fetched: dict[str, datetime | None] | None = None,
                 key: tuple[str, str] = ("", "")) -> None:
        self.frame, self.fingerprint, self.urls = frame, fingerprint, urls
        self.recheck_at, self.fetched, self.key = recheck_at, fetched or {}, key
        self.columns: dict[tuple, Column] = {}


class Fetched(NamedTuple):
    """What the persisted store remembers of a file's last fetch (for ``JP_INFO``)."""

    url: str
    fetched_at: datetime | None
    stale: bool = False
    error: str | None = None


class Keeper:
    """Heads, frames and parts of every source key, kept in ``folder``."""

    def __init__(self, folder: Path) -> None:
        self.store = ParsedStore(folder)
        self._parts: dict[tuple[str, str], dict[str, Part]] = {}

    def fresh_head(self, source_id: str, key: str, now: datetime) -> Head | None:
        """The head of a key while every file behind it is fresh, else ``None``."""
        head = self.store.head(source_id, key)
        return head if head is not None and head.fresh(now) else None

    def frame(self, source_id: str, key: str, fingerprint: str) -> pd.DataFrame | None:
        return self.store.frame(source_id, key, fingerprint)

    def parts(self, source_id: str, key: str) -> dict[str, Part]:
        """The kept check results of a key's files (read from disk once per process)."""
        found = self._parts.get((source_id, key))
        if found is None:
            found = self._parts[(source_id, key)] = self.store.parts(source_id, key)
        return found

    def parsed(self, source, key: str, raw, get: Getter, fingerprint,
               previous: Loaded | None, parse=None) -> pd.DataFrame:
        """The frame of ``raw``: the previous one, the persisted one, or parsed by ``parse``
        (default ``source.parse``) and kept."""
        if fingerprint is not None and previous is not None and previous.fingerprint == fingerprint:
            return previous.frame
        persist = bool(get.reads) and fingerprint is not None
        if persist and (found := self.store.frame(source.id, key, fingerprint)) is not None:
            return found
        frame = get.result_of(raw)
        frame = (parse or source.parse)(raw) if frame is None else frame
        if persist:
            self.store.put_frame(source.id, key, fingerprint, frame)
        return frame

    def keep_parts(self, source_id: str, key: str, get: Getter) -> None:
        if get.changed:
            self.store.put_parts(source_id, key, get.parts)

    def keep(self, source_id: str, key: str, get: Getter, loaded: Loaded, options: str) -> None:
        """After a good download: its parts, and a head saying until when its files hold (and
        with which download options they were read)."""
        get.keep_only_read()
        self.keep_parts(source_id, key, get)
        if not get.reads or loaded.fingerprint is None:
            return  # a local file: nothing says when it changes, so nothing is trusted later
        head = Head(loaded.fingerprint, loaded.urls, get.valid_until(),
                    tuple(loaded.fetched.items()), options)
        known = self.store.head(source_id, key)
        if known is None or (known.fingerprint, known.urls, known.valid_until, known.options) != (
                head.fingerprint, head.urls, head.valid_until, head.options):
            self.store.put_head(source_id, key, head)
