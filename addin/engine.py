"""The engine: the fetcher, the catalogue, and every memo of parsed frames, columns and answers.

A frame comes from memory, from the persisted store while every file behind it is still fresh
(:mod:`addin.keeper`; no HTTP layer is imported for that), or from a download through the
fetcher, parsed only when the fingerprint of the bytes is new. A frame in memory is rechecked
after ``recheck_seconds``. A warm lookup costs a dict access and a binary search, never a parse,
and a recalculation asks the remembered answers (:mod:`addin.answers`). Everything an engine
remembers in memory lives on it, so a new engine (``api.use``) starts from the persisted store.
"""

from __future__ import annotations

import math
import threading
import time
from collections import defaultdict
from typing import TYPE_CHECKING, Any, Callable

import pandas as pd

from addin import outcome
from addin.answers import Answers
from addin.clock import Clock
from addin.column import Column
from addin.config import Config
from addin.downloading import checked_parse, download_options, options_text, transport
from addin.errors import AddinError, BadArgument, NoData
from addin.failures import Failures
from addin.keeper import Fetched, Keeper, Loaded
from addin.known_ids import KnownIds
from addin.persisted import FOLDER
from addin.sources import REGISTRY
from addin.sources.base import FlowSpec, SeriesSpec

if TYPE_CHECKING:  # imported when first needed: a new process answering from the store needs
    from addin.catalogue import Catalogue  # neither every source's declarations,
    from addin.getter import Getter  # nor a download's getter,
    from addin.http import Fetcher  # nor the HTTP layer


MEMO_LIMIT = 4096


class Engine:
    """Owns the fetcher, the catalogue and the in-memory memos; thread-safe."""

    def __init__(self, config: Config, fetcher: "Fetcher | None" = None,
                 clock: Clock | None = None) -> None:
        self.config = config
        self.clock = clock or (fetcher.clock if fetcher is not None else Clock())
        # Asked on every lookup: the system clock's function itself, unless a test injects one.
        self._monotonic = time.monotonic if type(self.clock) is Clock else self.clock.monotonic
        self.answers = Answers(self._monotonic, self.clock.today,
                               lambda frame: self.load(*frame.key))
        self.failures = fetcher.failures if fetcher is not None else Failures(
            config.recheck_seconds, self.clock)
        self._fetcher = fetcher
        self._catalogue: Catalogue | None = None
        self.known = KnownIds(config.cache_dir / FOLDER, config.csv_files)
        self.memo: dict[Any, Any] = {}  # the queries' own memos (joined columns, rolling sums)
        self._specs: dict[tuple[str, str], SeriesSpec | FlowSpec] = {}
        self._frames: dict[tuple[str, str], Loaded] = {}
        self._hot: dict[tuple, tuple[Loaded, Column]] = {}  # column() -> (its frame, its arrays)
        self.keeper = Keeper(config.cache_dir / FOLDER)
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

    def fetcher_if_built(self) -> "Fetcher | None":
        """The HTTP layer if something needed it already; never builds it."""
        return self._fetcher

    @property
    def catalogue(self) -> Catalogue:
        """Every id a user can type; built (importing every source) when first needed."""
        if self._catalogue is None:
            from addin.catalogue import Catalogue

            self._catalogue = Catalogue(self.config.csv_files)
        return self._catalogue

    def spec(self, series_id) -> SeriesSpec:
        """The catalogue entry of a series id (case-insensitive)."""
        if not isinstance(series_id, str):  # a range where an id belongs (and unhashable)
            raise BadArgument('Series must be an id here, e.g. "JGB10Y"')
        found = self._specs.get(("series", series_id))
        if found is None:
            if not series_id.strip():
                raise BadArgument('Series id is empty; try JP_SEARCH("JGB")')
            found = self._resolved("series", series_id)
        return found

    def flow_spec(self, flow_id) -> FlowSpec:
        """The catalogue entry of a flow id (case-insensitive)."""
        found = self._specs.get(("flow", flow_id))
        if found is None:
            if not isinstance(flow_id, str) or not flow_id.strip():
                raise BadArgument('Investor is empty; try JP_SEARCH("JPX")')
            found = self._resolved("flow", flow_id)
        return found

    def _resolved(self, kind: str, spec_id: str):
        """A spec kept from an earlier process, or the catalogue's (then kept for the next)."""
        found = self.known.get(kind, spec_id)
        if found is None:
            catalogue = self.catalogue
            found = (catalogue.series_spec if kind == "series" else catalogue.flow_spec)(spec_id)
            self.known.keep(kind, spec_id, found)
        self._specs[(kind, spec_id)] = found
        return found

    def remember(self, key, value):
        """Keep a query's memo; past :data:`MEMO_LIMIT` all go (each is rebuilt on demand)."""
        if len(self.memo) >= MEMO_LIMIT:
            self.memo.clear()
        self.memo[key] = value
        return value

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
        hot = self._hot.get((source_id, key, column, keep_missing))
        if hot is not None and self._monotonic() < hot[0].recheck_at:
            self.answers.touched(hot[0])
            return hot[1]
        loaded = self.load(source_id, key)
        found = loaded.columns.get((column, keep_missing))
        if found is None:
            if column not in loaded.frame.columns:
                raise NoData(f"{REGISTRY[source_id].name} has no column {column!r}")
            found = Column.of(loaded.frame[column], loaded.urls, keep_missing)
            loaded.columns[(column, keep_missing)] = found
        self._hot[(source_id, key, column, keep_missing)] = (loaded, found)
        return found

    def load(self, source_id: str, key: str) -> Loaded:
        """The parsed frame of one source key: from memory, the persisted store, or a download."""
        try:
            loaded = self._load(source_id, key)
        except AddinError:
            self.answers.failed(self._monotonic() + self.failures.seconds)
            raise
        self.answers.touched(loaded)
        return loaded

    def _load(self, source_id: str, key: str) -> Loaded:
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
                return self._kept(source_id, key, loaded) or self._reload(source_id, key, loaded)
            # A source that just failed is not asked again by every cell that needs it.
            if loaded is None:
                # Raised afresh: re-raising the stored instance would grow its traceback by
                # one frame chain per call, for ever.
                raise failure.with_traceback(None)
            return loaded

    def _kept(self, source_id: str, key: str, loaded: Loaded | None) -> Loaded | None:
        """The persisted frame while every file behind it is fresh: no HTTP layer needed."""
        if self._fetcher is not None and self._fetcher.revalidate:
            return None  # a Refresh asks every publisher again
        head = self.keeper.fresh_head(source_id, key, self.clock.now())
        if head is None or head.options != self._options_of(source_id):
            return None
        recheck_at = self.clock.monotonic() + self.config.recheck_seconds
        if loaded is not None and loaded.fingerprint == head.fingerprint:
            loaded.recheck_at = recheck_at
            return loaded
        frame = self.keeper.frame(source_id, key, head.fingerprint)
        if frame is None:
            return None
        kept = Loaded(frame, head.fingerprint, head.urls, recheck_at, dict(head.fetched),
                      key=(source_id, key))
        self._install(kept)
        return kept

    def _options_of(self, source_id: str) -> str | None:
        """The download options of a source now (``None`` when it cannot download: no key)."""
        try:
            return options_text(download_options(REGISTRY[source_id], self.config))
        except AddinError:
            return None

    def _reload(self, source_id: str, key: str, previous: Loaded | None) -> Loaded:
        from addin.getter import Getter

        source = REGISTRY[source_id]
        get = Getter(self, source, self.keeper.parts(source_id, key), key)
        try:
            options = download_options(source, self.config)
            raw = source.download(key, get, **options)
            fingerprint = get.fingerprint(raw)
            frame = self.keeper.parsed(source, key, raw, get, fingerprint, previous,
                                       parse=lambda raw: checked_parse(source, key, raw))
        except AddinError as exc:
            self.keeper.keep_parts(source_id, key, get)
            self.failures.remember((source_id, key), exc)
            if previous is None:
                raise
            # Nothing is lost: the last frame that parsed stays in use until a good download.
            previous.recheck_at = self.clock.monotonic() + self.config.recheck_seconds
            return previous
        self.failures.forget((source_id, key))
        loaded = self._settled((source_id, key), get, frame, fingerprint, previous)
        self.keeper.keep(source_id, key, get, loaded, options_text(options))
        return loaded

    def _settled(self, memo_key: tuple[str, str], get: "Getter", frame: pd.DataFrame,
                 fingerprint, previous: Loaded | None) -> Loaded:
        """The frame a download gave, installed; the previous object when the bytes are the same,
        so the columns and answers made from it stay valid."""
        recheck_at = self.clock.monotonic() + self.config.recheck_seconds
        urls = get.urls()
        fetched = {url: get.reads[url].fetched_at for url in urls}
        if previous is not None and previous.frame is frame:
            previous.fingerprint, previous.urls, previous.recheck_at = fingerprint, urls, recheck_at
            previous.fetched = fetched
            loaded = previous
        else:
            loaded = Loaded(frame, fingerprint, urls, recheck_at, fetched, key=memo_key)
        self._install(loaded)
        return loaded

    def _install(self, loaded: Loaded) -> None:
        """Make ``loaded`` the frame of its key; the one it replaces is never fresh again."""
        old = self._frames.get(loaded.key)
        if old is loaded:
            return  # the same bytes downloaded again: what was computed from it still holds
        if old is not None:
            old.recheck_at = -math.inf  # columns handed out from it fail their freshness test
        self._frames[loaded.key] = loaded
        self.answers.changed()

    def fetch_record(self, url: str):
        """The last fetch of ``url``: the HTTP layer's record, else what the store remembers."""
        fetcher = self._fetcher
        found = fetcher.records.get(url) if fetcher is not None else None
        if found is not None:
            return found
        for loaded in list(self._frames.values()):
            if url in loaded.fetched:
                return Fetched(url, loaded.fetched[url])
        return None

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
                self._reload(source_id, key, self._frames.get((source_id, key)))
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
