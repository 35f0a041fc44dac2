"""The catalogue's answers kept beside the parsed store, so a new process resolves the ids its
sheet asks for without importing every source.

Each id the catalogue resolves (a series or a flow) is written to ``<cache dir>/arrays/ids.json``
with the signature of the code that declared it (size and modification time of every module of
:mod:`addin.sources` and of the catalogue) and the user's ``JPFLOWS_CSV_`` settings. A new
process answers from that file while both are unchanged, and asks the catalogue otherwise. Only
declarations made of plain values (text, numbers, dates, tuples, origins) are kept; anything
else is resolved by the catalogue every time.
"""

from __future__ import annotations

import dataclasses
import json
import os
import threading
from datetime import date
from pathlib import Path
from typing import Mapping

from addin import arrays
from addin.sources.base import FlowSpec, Origin, SeriesSpec

FILE = "ids.json"
_KINDS = {"series": SeriesSpec, "flow": FlowSpec}
_PLAIN = (str, int, float, bool, type(None))


class KnownIds:
    """Specs by kind and upper-case id, read once from ``folder`` and written as they come."""

    def __init__(self, folder: Path, csv_files: Mapping[str, str]) -> None:
        self.path = folder / FILE
        self._csv = sorted(csv_files.items())
        self._signature: list | None = None
        self._known: dict[str, dict] | None = None
        self._lock = threading.Lock()

    def get(self, kind: str, spec_id: str):
        """The kept spec of ``kind`` ("series" or "flow") for ``spec_id``, or ``None``."""
        found = self._table().get(kind, {}).get(spec_id.strip().upper())
        if found is None:
            return None
        try:
            return _decoded(found)
        except (KeyError, TypeError, ValueError):  # written by other code: resolve afresh
            return None

    def keep(self, kind: str, spec_id: str, spec) -> None:
        """Keep ``spec`` for the next process, if it is made of plain values."""
        try:
            encoded = _encoded(spec)
        except TypeError:
            return
        with self._lock:
            table = self._table()
            table.setdefault(kind, {})[spec_id.strip().upper()] = encoded
            arrays.write_json(self.path, {"signature": self.signature(), **table})

    def signature(self) -> list:
        """What the kept specs depend on: the declaring code's files and the CSV settings."""
        if self._signature is None:
            from addin import sources

            folder = Path(sources.__file__).parent
            files = sorted((entry.name, entry.stat().st_size, entry.stat().st_mtime_ns)
                           for entry in os.scandir(folder) if entry.name.endswith(".py"))
            status = Path(__file__).with_name("catalogue.py").stat()
            self._signature = [files, [status.st_size, status.st_mtime_ns], self._csv]
        return self._signature

    def _table(self) -> dict[str, dict]:
        if self._known is None:
            meta = arrays.read_json(self.path, {}) or {}
            same = json.loads(json.dumps(self.signature())) == meta.get("signature")
            self._known = {kind: meta.get(kind, {}) for kind in _KINDS} if same else {}
        return self._known


def _encoded(value):
    """A JSON-able form of a spec and its parts; ``TypeError`` for anything not plain."""
    if isinstance(value, _PLAIN):
        return value
    if isinstance(value, date):
        return {"date": value.isoformat()}
    if isinstance(value, tuple):
        return {"tuple": [_encoded(item) for item in value]}
    kind = next((name for name, cls in {**_KINDS, "origin": Origin}.items()
                 if type(value) is cls), None)
    if kind is None:
        raise TypeError(f"{type(value).__name__} is not kept")
    return {kind: {field.name: _encoded(getattr(value, field.name))
                   for field in dataclasses.fields(value)}}


def _decoded(value):
    if isinstance(value, _PLAIN):
        return value
    if isinstance(value, list) or not isinstance(value, dict) or len(value) != 1:
        raise ValueError("not a kept value")
    (kind, inner), = value.items()
    if kind == "date":
        return date.fromisoformat(inner)
    if kind == "tuple":
        return tuple(_decoded(item) for item in inner)
    cls = {**_KINDS, "origin": Origin}[kind]
    return cls(**{name: _decoded(item) for name, item in inner.items()})
