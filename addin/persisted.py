"""The persisted store of parsed frames: a new process answers from it without the HTTP layer.

For each (source, key) the store keeps three things in ``<cache dir>/arrays/<source>/``:

* a *head* (``<key>.head.json``): the fingerprint of the bytes the current frame was parsed from,
  the files they came from, when the first of those copies stops being fresh, and when each was
  fetched. Until then a process may answer from the frame without asking the HTTP cache;
* the *frame* of each fingerprint (``<key>.<fingerprint>.npz`` + ``.json``), so a frame parsed once
  is never parsed again, by this process or the next, while its bytes are unchanged;
* the *parts* (``<key>.parts.npz`` + ``.json``): what each file's check returned for its bytes,
  so a source made of many files (JPX's weekly workbooks) parses each file once, ever.

The store sits in the cache directory, per user, also when the HTTP cache is a team's Redis:
the fingerprints are of the shared bytes, so a copy parsed by one user is as good as any other,
and opening Excel never has to reach Redis. See :mod:`addin.arrays` for why damage is harmless.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import threading
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
import pandas as pd

from addin import arrays

log = logging.getLogger(__name__)

FOLDER = "arrays"
_UNSAFE = re.compile(r"[^A-Za-z0-9_-]+")


class Head(NamedTuple):
    """What the current frame of a source key was parsed from, and until when that holds."""

    fingerprint: str
    urls: tuple[str, ...]
    valid_until: datetime | None  # None: every file behind it is final
    fetched: tuple[tuple[str, datetime | None], ...] = ()
    options: str = "[]"  # the download options (a source's setting) the files were read with

    def fresh(self, now: datetime) -> bool:
        return self.valid_until is None or now < self.valid_until


class Part(NamedTuple):
    """One file's check result, for bytes of one digest, fresh until ``valid_until``."""

    digest: str
    valid_until: datetime | None
    result: Any

    def fresh(self, now: datetime) -> bool:
        return self.valid_until is None or now < self.valid_until


class ParsedStore:
    """Heads, frames and parts by source and key, in one folder; thread-safe."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._heads: dict[Path, tuple[tuple, Head | None]] = {}
        self._lock = threading.Lock()

    def head(self, source: str, key: str) -> Head | None:
        """The head of ``(source, key)``; re-read only when the file changed on disk."""
        path = arrays.suffixed(self._stem(source, key, "head"), ".json")
        try:
            status = path.stat()
        except OSError:
            return None
        signature = (status.st_mtime_ns, status.st_size, status.st_ino)
        cached = self._heads.get(path)
        if cached is not None and cached[0] == signature:
            return cached[1]
        found = _head(arrays.read_json(path, {"source": source, "key": key}))
        self._heads[path] = (signature, found)
        return found

    def put_head(self, source: str, key: str, head: Head) -> None:
        """Replace the head; the frame it pointed to before is deleted once nothing names it."""
        previous = self.head(source, key)
        stem = self._stem(source, key, "head")
        meta = {"source": source, "key": key, "fingerprint": head.fingerprint,
                "urls": list(head.urls), "valid_until": _iso(head.valid_until),
                "fetched": [[url, _iso(when)] for url, when in head.fetched],
                "options": head.options}
        if not arrays.write_json(arrays.suffixed(stem, ".json"), meta):
            return
        if previous is not None and previous.fingerprint != head.fingerprint:
            arrays.remove(self._stem(source, key, previous.fingerprint))

    def frame(self, source: str, key: str, fingerprint: str) -> pd.DataFrame | None:
        """The frame parsed from bytes of ``fingerprint``, or ``None``."""
        found = arrays.read(self._stem(source, key, fingerprint),
                            {"source": source, "key": key, "fingerprint": fingerprint})
        if found is None:
            return None
        try:
            return arrays.decode(*found)
        except (KeyError, ValueError, TypeError) as exc:
            log.info("parsed frame of %s %r unusable: %s", source, key, exc)
            return None

    def put_frame(self, source: str, key: str, fingerprint: str, frame: pd.DataFrame) -> None:
        encoded = arrays.encode(frame)
        if encoded is not None:
            meta = {"source": source, "key": key, "fingerprint": fingerprint, **encoded[1]}
            arrays.write(self._stem(source, key, fingerprint), encoded[0], meta)

    def parts(self, source: str, key: str) -> dict[str, Part]:
        """Each file's kept check result, by URL (empty when none are kept or readable)."""
        found = arrays.read(self._stem(source, key, "parts"), {"source": source, "key": key})
        if found is None:
            return {}
        try:
            return _decode_parts(*found)
        except (KeyError, ValueError, TypeError, IndexError) as exc:
            log.info("parsed parts of %s %r unusable: %s", source, key, exc)
            return {}

    def put_parts(self, source: str, key: str, parts: dict[str, Part]) -> None:
        """Keep the parts whose result is a frame plain arrays can hold."""
        encoded = _encode_parts(parts)
        arrays.write(self._stem(source, key, "parts"), encoded[0],
                     {"source": source, "key": key, **encoded[1]})

    def size(self) -> int:
        """Bytes on disk, every source included."""
        return sum(path.stat().st_size for path in self.folder.rglob("*") if path.is_file())

    def _stem(self, source: str, key: str, what: str) -> Path:
        slug = _UNSAFE.sub("_", key)[:40] or "_"
        digest = hashlib.blake2b(key.encode("utf-8"), digest_size=6).hexdigest()
        return self.folder / _UNSAFE.sub("_", source) / f"{slug}-{digest}.{what}"


def _head(meta: dict | None) -> Head | None:
    if meta is None:
        return None
    try:
        urls = tuple(meta["urls"])
        fetched = tuple((url, _when(when)) for url, when in meta.get("fetched", ()))
        if not isinstance(meta["fingerprint"], str) or not all(isinstance(u, str) for u in urls):
            return None
        options = meta.get("options", "[]")
        if not isinstance(options, str):
            return None
        return Head(meta["fingerprint"], urls, _when(meta["valid_until"]), fetched, options)
    except (KeyError, TypeError, ValueError):
        return None


def _encode_parts(parts: dict[str, Part]) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
    """Frames with the same labels stacked into one table each; the rest is left out."""
    groups: dict[str, tuple[int, list]] = {}
    rows, described = [], []
    for url, part in parts.items():
        encoded = arrays.encode(part.result) if isinstance(part.result, pd.DataFrame) else None
        if encoded is None:
            continue
        shape = json.dumps([encoded[1], str(encoded[0]["index"].dtype)], sort_keys=True)
        number, members = groups.setdefault(shape, (len(groups), []))
        start = sum(len(m["index"]) for m in members)
        members.append(encoded[0])
        rows.append({"url": url, "digest": part.digest, "valid_until": _iso(part.valid_until),
                     "group": number, "start": start, "stop": start + len(encoded[0]["index"])})
    data = {}
    for shape, (number, members) in groups.items():
        described.append(json.loads(shape)[0])
        data[f"index{number}"] = np.concatenate([m["index"] for m in members])
        data[f"values{number}"] = np.concatenate([m["values"] for m in members])
    return data, {"groups": described, "parts": rows}


def _decode_parts(data: dict[str, np.ndarray], meta: dict) -> dict[str, Part]:
    tables = [arrays.decode({"index": data[f"index{n}"], "values": data[f"values{n}"]}, labels)
              for n, labels in enumerate(meta["groups"])]
    found = {}
    for row in meta["parts"]:
        table = tables[row["group"]]
        if not 0 <= row["start"] < row["stop"] <= len(table):
            raise ValueError("part outside its table")
        found[row["url"]] = Part(row["digest"], _when(row["valid_until"]),
                                 table.iloc[row["start"]:row["stop"]])
    return found


def _iso(when: datetime | None) -> str | None:
    return None if when is None else when.isoformat()


def _when(text) -> datetime | None:
    if text is None:
        return None
    when = datetime.fromisoformat(text)
    return when if when.tzinfo else when.replace(tzinfo=timezone.utc)

