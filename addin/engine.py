"""The engine: the fetcher, the catalogue, and every memo of parsed frames and columns.

A parsed frame is kept until ``recheck_seconds`` pass; then the source's files are asked for again
(usually straight from the HTTP cache) and the frame is re-parsed only when their bytes changed.
A warm lookup therefore costs a dict access and a binary search, never a parse. Everything an
engine remembers lives on it, so a new engine (``api.use``) starts from nothing.
"""

from __future__ import annotations

import hashlib
import threading
from collections import defaultdict
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable

import pandas as pd

from addin import frames, outcome, shape
from addin.catalogue import Catalogue
from addin.clock import Clock
from addin.column import Column
from addin.config import Config
from addin.errors import AddinError, BadArgument, KeyMissing, NoData
from addin.failures import Failures
from addin.sources import REGISTRY
from addin.sources.base import FlowSpec, SeriesSpec

if TYPE_CHECKING:  # the HTTP layer is imported only when something must be downloaded
    from addin.http import Fetcher


@dataclass
class Loaded:
    """A parsed frame and the identity of the bytes it came from."""

    frame: pd.DataFrame
    fingerprint: tuple
    urls: tuple[str, ...]
    recheck_at: float


def transport(config: Config):
    """The transport every download of ``config`` goes through: politeness and API keys set."""
    from addin import credentials
    from addin.polite import Politeness
    from addin.transport import Transport

    sent = Transport(config, politeness=Politeness(REGISTRY.limits))
    credentials.attach(sent.session, config, REGISTRY.sources)
    return sent


def download_options(source, config: Config) -> dict[str, str]:
    """What a source's ``download`` receives besides the key: its setting, when the user set it.

    Raises:
        KeyMissing: the source needs an API key and none is set (nothing is asked).
    """
    wanted = source.credential
    if wanted is not None and not config.key(wanted.setting):
        raise KeyMissing(source.name, wanted.setting)
    value = config.settings.get(source.setting) if source.setting else None
    return {"setting": value} if value else {}


class Engine:
    """Owns the fetcher, the catalogue and the in-memory memos; thread-safe."""

    def __init__(self, config: Config, fetcher: "Fetcher | None" = None,
                 clock: Clock | None = None) -> None:
        self.config = config
        self.clock = clock or (fetcher.clock if fetcher is not None else Clock())
        self.failures = fetcher.failures if fetcher is not None else Failures(
            config.recheck_seconds, self.clock)
        self._fetcher = fetcher
        self.catalogue = Catalogue(config.csv_files)
        self.memo: dict[Any, Any] = {}  # the queries' own memos (joined columns, rolling sums)
        self._specs: dict[str, SeriesSpec] = {}
        self._frames: dict[tuple[str, str], Loaded] = {}
        self._columns: dict[tuple, tuple[pd.DataFrame, Column]] = {}
        self._locks: defaultdict[tuple, threading.Lock] = defaultdict(threading.Lock)
        self._guard = threading.Lock()

    @property
    def fetcher(self) -> "Fetcher":
        """The HTTP layer, built on first need."""
        if self._fetcher is None:
            with self._guard:
                if self._fetcher is None:
                    from addin.http import Fetcher

                    self._fetcher = Fetcher(self.config, transport(self.config),
                                            failures=self.failures, clock=self.clock)
        return self._fetcher

    def spec(self, series_id) -> SeriesSpec:
        """The catalogue entry of a series id (case-insensitive)."""
        if not isinstance(series_id, str):  # a range where an id belongs (and unhashable)
            raise BadArgument('Series must be an id here, e.g. "JGB10Y"')
        found = self._specs.get(series_id)
        if found is None:
            if not series_id.strip():
                raise BadArgument('Series id is empty; try JP_SEARCH("JGB")')
            found = self._specs[series_id] = self.catalogue.series_spec(series_id)
        return found

    def flow_spec(self, flow_id) -> FlowSpec:
        """The catalogue entry of a flow id (case-insensitive)."""
        if not isinstance(flow_id, str) or not flow_id.strip():
            raise BadArgument('Investor is empty; try JP_SEARCH("JPX")')
        return self.catalogue.flow_spec(flow_id)

    def frame(self, source_id: str, key: str) -> pd.DataFrame:
        return self.load(source_id, key).frame

    def frame_if_loaded(self, source_id: str, key: str) -> pd.DataFrame | None:
        """The frame already in memory, without loading or rechecking anything."""
        loaded = self._frames.get((source_id, key))
        return None if loaded is None else loaded.frame

    def column(self, source_id: str, key: str, column, keep_missing: bool = False) -> Column:
        """A column of a source's frame as arrays, cached while the frame is unchanged.

        ``keep_missing`` keeps NaN rows: a flow period with no published figure still occupies
        its dates, so a lookup inside it must not slide to the next period.
        """
        memo_key = (source_id, key, column, keep_missing)
        loaded = self._frames.get((source_id, key))
        if loaded is not None and self.clock.monotonic() < loaded.recheck_at:
            cached = self._columns.get(memo_key)
            if cached is not None and cached[0] is loaded.frame:
                return cached[1]
        loaded = self.load(source_id, key)
        if column not in loaded.frame.columns:
            raise NoData(f"{REGISTRY[source_id].name} has no column {column!r}")
        result = Column.of(loaded.frame[column], loaded.urls, keep_missing)
        self._columns[memo_key] = (loaded.frame, result)
        return result

    def load(self, source_id: str, key: str) -> Loaded:
        """The parsed frame of one source key: from memory, or through the fetcher."""
        memo_key = (source_id, key)
        loaded = self._frames.get(memo_key)
        if loaded is not None and self.clock.monotonic() < loaded.recheck_at:
            return loaded
        with self._guard:
            lock = self._locks[memo_key]
        with lock:
            loaded = self._frames.get(memo_key)
            if loaded is not None and self.clock.monotonic() < loaded.recheck_at:
                return loaded
            failure = self.failures.recent(memo_key)
            if failure is None:
                return self._reload(source_id, key, loaded)
            # A source that just failed is not asked again by every cell that needs it.
            if loaded is None:
                # Raised afresh: re-raising the stored instance would grow its traceback by
                # one frame chain per call, for ever.
                raise failure.with_traceback(None)
            return loaded

    def _reload(self, source_id: str, key: str, previous: Loaded | None) -> Loaded:
        source = REGISTRY[source_id]
        seen: list[tuple[str, bytes]] = []

        def get(url, *, check=None, headers=None, expire=None) -> bytes:
            body = self.fetcher.get(url, check=frames.guarded(check, source, key),
                                    headers={**source.headers, **(headers or {})},
                                    expire=expire, source=source.name)
            seen.append((url, body))
            return body

        try:
            raw = source.download(key, get, **download_options(source, self.config))
            fingerprint = tuple((url, hashlib.blake2b(body, digest_size=16).digest())
                                for url, body in seen)
            if previous is not None and previous.fingerprint == fingerprint:
                frame = previous.frame
            else:
                for body in shape.bodies(raw):  # local files too, before any parser sees them
                    shape.check(body, source.shape, source.name)
                frame = frames.verify(source.parse(raw), source, key)
        except AddinError as exc:
            self.failures.remember((source_id, key), exc)
            if previous is None:
                raise
            # Nothing is lost: the last frame that parsed stays in use until a good download.
            previous.recheck_at = self.clock.monotonic() + self.config.recheck_seconds
            return previous
        self.failures.forget((source_id, key))
        loaded = Loaded(frame, fingerprint, tuple(url for url, _ in seen),
                        self.clock.monotonic() + self.config.recheck_seconds)
        self._frames[(source_id, key)] = loaded
        return loaded

    def loaded_keys(self) -> list[tuple[str, str]]:
        """Every (source, key) asked for so far, whether it loaded or failed."""
        failed = [key for key in self.failures.keys() if isinstance(key, tuple)]
        return list(dict.fromkeys([*self._frames, *failed]))

    def refresh(self, keys: list[tuple[str, str]],
                progress: Callable[[int, int, str], None] | None = None) -> dict[tuple[str, str], str]:
        """Revalidate every file behind ``keys`` with the publishers; returns an outcome each.

        Each outcome is ``"OK"``, ``"stale: <reason>"`` (the last good copy is still served) or
        ``"failed: <reason>"`` (nothing could be served), see :mod:`addin.outcome`.
        """
        results = {}
        self.failures.clear()
        fetcher = self.fetcher
        fetcher.revalidate = True
        try:
            for i, (source_id, key) in enumerate(keys):
                if progress:
                    progress(i, len(keys), REGISTRY[source_id].name)
                results[(source_id, key)] = self._refresh_one(source_id, key)
        finally:
            fetcher.revalidate = False
        return results

    def _refresh_one(self, source_id: str, key: str) -> str:
        error, failed = None, False
        with self.fetcher.asking() as asked:
            try:
                self._frames[(source_id, key)] = self._reload(
                    source_id, key, self._frames.get((source_id, key)))
                error = self.failures.recent((source_id, key))  # a new file that did not parse
            except AddinError as exc:
                error, failed = exc, True
        records = [self.fetcher.records.get(url) for url in dict.fromkeys(asked)]
        return outcome.judge(records, error, failed, self.config.offline)

    def last_error(self, source_id: str) -> str | None:
        """The latest failure of any key of a source still remembered, for ``JP_STATUS``."""
        found = [self.failures.recent(key) for key in self.failures.keys()
                 if isinstance(key, tuple) and key[0] == source_id]
        return next((str(error) for error in found if error is not None), None)
