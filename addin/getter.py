"""The getter a source's ``download`` is handed: what it read, and each file's check parsed once.

``get(url, *, check=None, headers=None, expire=None) -> bytes`` goes through the engine's fetcher
and remembers the digest of the bytes, when that copy stops being fresh and when it was fetched:
together they are the fingerprint and the lifetime of the frame parsed from them.

``get.parsed(url, *, check, ...)`` answers what ``check`` returns for the file's bytes instead
of the bytes. The result the HTTP layer's own check produced on a download is the one kept;
for bytes served from the cache it is found among the kept *parts* by their digest, or computed
once. A part still fresh is answered without asking the HTTP layer at all; a final file (one whose
copy never expires) is never asked again, not even by Refresh: published files do not change.
``get.held()`` lists the files whose results are kept, so a source knows what it already has.
"""

from __future__ import annotations

import hashlib
import threading
from datetime import datetime
from typing import Any, Callable, NamedTuple

from addin import frames
from addin.persisted import Part


class Read(NamedTuple):
    """One file as a download read it."""

    digest: str
    valid_until: datetime | None  # None: final
    fetched_at: datetime | None


def digest(body: bytes) -> str:
    return hashlib.blake2b(body, digest_size=16).hexdigest()


class Getter:
    """The injected getter of one download of one source key; thread-safe."""

    def __init__(self, engine, source, parts: dict[str, Part], key: str = "") -> None:
        self.engine, self.source, self.key = engine, source, key
        self.parts = parts
        self.reads: dict[str, Read] = {}
        self._asked: dict[str, None] = {}  # in the order the download asked, not finished
        self.changed = False  # a part was added or renewed: the parts are worth writing
        self._checked: dict[str, tuple[bytes, Callable, Any]] = {}
        self._lock = threading.Lock()

    @property
    def refreshing(self) -> bool:
        """True inside a Refresh: every publisher is asked again."""
        fetcher = self.engine.fetcher_if_built()
        return bool(fetcher is not None and fetcher.revalidate)

    def __call__(self, url: str, *, check: Callable[[bytes], Any] | None = None,
                 headers=None, expire=None) -> bytes:
        self._ask(url)
        fetcher = self.engine.fetcher
        body = fetcher.get(url, check=self._guarded(self._capturing(url, check)),
                           headers={**self.source.headers, **(headers or {})}, expire=expire,
                           source=self.source.name)
        record = fetcher.records.get(url)
        stale = record is None or record.stale
        valid_until = self.engine.clock.now() if stale else getattr(record, "expires", None)
        self._read(url, Read(digest(body), valid_until, record.fetched_at if record else None))
        return body

    def parsed(self, url: str, *, check: Callable[[bytes], Any], headers=None, expire=None):
        """What ``check`` returns for the bytes of ``url``, parsed once across processes."""
        self._ask(url)
        part = self.parts.get(url)
        if part is not None and part.fresh(self.engine.clock.now()) and (
                part.valid_until is None or not self.refreshing):
            self._read(url, Read(part.digest, part.valid_until, None))
            return part.result
        body = self(url, check=check, headers=headers, expire=expire)
        read = self.reads[url]
        checked = self._checked.get(url)
        if checked is not None and checked[0] is body:
            result = checked[2]  # the HTTP layer's check ran on these very bytes
        elif part is not None and part.digest == read.digest:
            result = part.result
        else:
            result = self._guarded(check)(body)
        with self._lock:
            self.parts[url] = Part(read.digest, read.valid_until, result)
            self.changed = True
        return result

    def urls(self) -> tuple[str, ...]:
        """Every URL read, in the order the download asked for them."""
        return tuple(url for url in self._asked if url in self.reads)

    def held(self) -> tuple[str, ...]:
        """The URLs whose check results are kept from earlier downloads."""
        return tuple(self.parts)

    def result_of(self, raw) -> Any:
        """The parsed frame of ``raw`` when the download returned one body its check parsed."""
        for body, check, result in self._checked.values():
            if body is raw and check is self.source.parse:
                return result
        return None

    def fingerprint(self, raw) -> str | None:
        """One digest of every file read (in any order); ``None`` when nothing identifies them."""
        if not self.reads:
            return digest(raw) if isinstance(raw, (bytes, bytearray)) else None
        text = "\n".join(f"{url} {read.digest}" for url, read in sorted(self.reads.items()))
        return digest(text.encode("utf-8"))

    def valid_until(self) -> datetime | None:
        """When the first copy read stops being fresh (``None``: all are final)."""
        ends = [read.valid_until for read in self.reads.values() if read.valid_until is not None]
        return min(ends, default=None)

    def keep_only_read(self) -> None:
        """Forget the parts this download did not read (files gone from the publisher's list)."""
        with self._lock:
            for url in [url for url in self.parts if url not in self.reads]:
                del self.parts[url]
                self.changed = True

    def _ask(self, url: str) -> None:
        with self._lock:
            self._asked.setdefault(url, None)

    def _read(self, url: str, read: Read) -> None:
        with self._lock:
            self.reads[url] = read

    def _guarded(self, check):
        return frames.guarded(check, self.source, self.key)

    def _capturing(self, url: str, check):
        if check is None:
            return None

        def capture(body: bytes):
            part = self.parts.get(url)
            if part is not None and part.digest == digest(body):
                result = part.result  # these very bytes passed the check before, kept with it
            else:
                result = check(body)
            with self._lock:
                self._checked[url] = (body, check, result)
            return result

        return capture
