"""Loading frames from sources through the cache, memoised in memory.

A parsed frame is kept until ``recheck_seconds`` pass; then the source's files are asked for again
(usually straight from the HTTP cache) and the frame is re-parsed only when their bytes changed.
A warm lookup therefore costs a dict access and a binary search, never a parse.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from functools import cached_property
from datetime import datetime
from typing import Callable

import numpy as np
import pandas as pd

from addin.config import Config
from addin.errors import AddinError, NoData
from addin.http import Fetcher
from addin.sources import REGISTRY

Clock = Callable[[], datetime]


@dataclass
class Loaded:
    """A parsed frame and the identity of the bytes it came from."""

    frame: pd.DataFrame
    fingerprint: tuple
    urls: tuple[str, ...]
    recheck_at: float


@dataclass(frozen=True)
class Column:
    """One series as plain arrays: dates (datetime64[ns], ascending) and values, NaNs removed."""

    dates: np.ndarray
    values: np.ndarray
    urls: tuple[str, ...] = field(default=())

    @classmethod
    def of(cls, values: pd.Series, urls=(), keep_missing: bool = False) -> "Column":
        values = values if keep_missing else values.dropna()
        return cls(values.index.values.astype("datetime64[ns]"),
                   values.to_numpy(dtype="float64"), tuple(urls))

    def at_or_before(self, when: np.datetime64) -> tuple[np.datetime64, float] | None:
        i = int(np.searchsorted(self.dates, when, side="right")) - 1
        return None if i < 0 else (self.dates[i], float(self.values[i]))

    @cached_property
    def series(self) -> pd.Series:
        """The column as a pandas Series (built once, shared: do not modify it)."""
        return pd.Series(self.values, index=pd.DatetimeIndex(self.dates, name="date"))

    def to_series(self) -> pd.Series:
        return self.series.copy()


class Engine:
    """Owns the fetcher and the in-memory memo of parsed frames and columns."""

    def __init__(self, config: Config, fetcher: Fetcher | None = None, clock: Clock = datetime.now):
        self.config = config
        self.fetcher = fetcher or Fetcher(config)
        self.clock = clock
        self._frames: dict[tuple[str, str], Loaded] = {}
        self._columns: dict[tuple, tuple[pd.DataFrame, Column]] = {}
        self._locks: defaultdict[tuple, threading.Lock] = defaultdict(threading.Lock)
        self._guard = threading.Lock()
        self._failures: dict[tuple[str, str], tuple[AddinError, float]] = {}
        self.errors: dict[str, str] = {}

    def frame(self, source_id: str, key: str) -> pd.DataFrame:
        return self._load(source_id, key).frame

    def frame_if_loaded(self, source_id: str, key: str) -> pd.DataFrame | None:
        """The frame already in memory, without loading or rechecking anything."""
        loaded = self._frames.get((source_id, key))
        return None if loaded is None else loaded.frame

    def loaded(self, source_id: str, key: str) -> Loaded:
        return self._load(source_id, key)

    def column(self, source_id: str, key: str, column, keep_missing: bool = False) -> Column:
        """A column of a source's frame as arrays, cached while the frame is unchanged.

        ``keep_missing`` keeps NaN rows: a flow period with no published figure still occupies
        its dates, so a lookup inside it must not slide to the next period.
        """
        memo_key = (source_id, key, column, keep_missing)
        loaded = self._frames.get((source_id, key))
        if loaded is not None and time.monotonic() < loaded.recheck_at:
            cached = self._columns.get(memo_key)
            if cached is not None and cached[0] is loaded.frame:
                return cached[1]
        loaded = self._load(source_id, key)
        if column not in loaded.frame.columns:
            raise NoData(f"{REGISTRY[source_id].NAME} has no column {column!r}")
        result = Column.of(loaded.frame[column], loaded.urls, keep_missing)
        self._columns[memo_key] = (loaded.frame, result)
        return result

    def _load(self, source_id: str, key: str) -> Loaded:
        memo_key = (source_id, key)
        loaded = self._frames.get(memo_key)
        if loaded is not None and time.monotonic() < loaded.recheck_at:
            return loaded
        with self._guard:
            lock = self._locks[memo_key]
        with lock:
            loaded = self._frames.get(memo_key)
            if loaded is not None and time.monotonic() < loaded.recheck_at:
                return loaded
            failure = self._failures.get(memo_key)
            if failure is not None and time.monotonic() < failure[1]:
                # A source that just failed is not asked again by every cell that needs it.
                raise failure[0]
            try:
                return self._reload(source_id, key, loaded)
            except AddinError as exc:
                self._failures[memo_key] = (exc, time.monotonic() + self.config.recheck_seconds)
                raise

    def _reload(self, source_id: str, key: str, previous: Loaded | None) -> Loaded:
        source = REGISTRY[source_id]
        seen: list[tuple[str, bytes]] = []

        def get(url, *, check=None, headers=None, expire=None) -> bytes:
            body = self.fetcher.get(url, check=check, headers=headers, expire=expire,
                                    source=source.NAME)
            seen.append((url, body))
            return body

        try:
            raw = source.download(key, get)
            fingerprint = tuple((url, hashlib.blake2b(body, digest_size=16).digest())
                                for url, body in seen)
            if previous is not None and previous.fingerprint == fingerprint:
                frame = previous.frame
            else:
                frame = source.parse(raw)
        except AddinError as exc:
            self.errors[source_id] = str(exc)
            if previous is None:
                raise
            # Nothing is lost: the last frame that parsed stays in use until a good download.
            previous.recheck_at = time.monotonic() + self.config.recheck_seconds
            return previous
        self.errors.pop(source_id, None)
        self._failures.pop((source_id, key), None)
        loaded = Loaded(frame, fingerprint, tuple(url for url, _ in seen),
                        time.monotonic() + self.config.recheck_seconds)
        self._frames[(source_id, key)] = loaded
        return loaded

    def loaded_keys(self) -> list[tuple[str, str]]:
        """Every (source, key) asked for so far, whether it loaded or failed."""
        return list(dict.fromkeys([*self._frames, *self._failures]))

    def refresh(self, keys: list[tuple[str, str]], progress=None) -> dict[tuple[str, str], str]:
        """Revalidate every file behind ``keys`` with the publishers; returns an outcome each."""
        outcome = {}
        self._failures.clear()
        self.fetcher.revalidate = True
        try:
            for i, (source_id, key) in enumerate(keys):
                if progress:
                    progress(i, len(keys), REGISTRY[source_id].NAME)
                previous = self._frames.get((source_id, key))
                try:
                    self._frames[(source_id, key)] = self._reload(source_id, key, previous)
                    outcome[(source_id, key)] = "OK"
                except AddinError as exc:
                    outcome[(source_id, key)] = str(exc)
        finally:
            self.fetcher.revalidate = False
        return outcome
