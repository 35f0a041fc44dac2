"""Publisher sources, one module each, each exporting one declarative :class:`Source` as ``SOURCE``.

A source is "a URL and how to turn its bytes into a frame" (see :mod:`addin.sources.base`):

``download(key, get) -> raw``
    All I/O. ``key`` selects what to fetch (a FRED series id, a Treasury year, ``""`` when the
    source is one file set). ``get(url, *, check=None, headers=None, expire=None) -> bytes`` is
    injected: it goes through the shared HTTP cache, applies ``JPFLOWS_MIRROR`` and offline mode,
    and, when ``check`` is given, calls ``check(body)`` on freshly downloaded bytes before they
    replace the cached copy (a ``LayoutChanged`` from ``check`` keeps the last good copy).
    ``raw`` is whatever ``parse`` takes: bytes, or a tuple of bytes for multi-file sources.
``parse(raw) -> pandas.DataFrame``
    Pure. Ascending ``DatetimeIndex`` named ``date``, float columns, the unit stated in the
    module docstring. Raises ``LayoutChanged`` (naming the file and what was expected) when the
    bytes do not have the publisher's layout; never returns a silently empty frame.

Flow sources return columns as a ``MultiIndex`` (market, investor, measure) in JPY billions,
indexed by the last day of each period; ``measure`` is one of ``buy``, ``sell``, ``net``.

``REGISTRY`` maps a source id to its declaration; adding a source is one file and one line here.
"""

from __future__ import annotations

import importlib

from addin.polite import DEFAULT, Limits
from addin.sources.base import Source

_MODULES = {
    "mof_jgb": "addin.sources.mof_jgb",
    "treasury": "addin.sources.treasury",
    "fred": "addin.sources.fred",
    "boj": "addin.sources.boj",
    "mof_weekly": "addin.sources.mof_weekly",
    "mof_bop": "addin.sources.mof_bop",
    "jpx": "addin.sources.jpx",
    "stooq": "addin.sources.stooq",
    "nikkei": "addin.sources.nikkei",
    "jquants": "addin.sources.jquants",
    "nyfed": "addin.sources.nyfed",
    "csv": "addin.sources.user_csv",
}


class _Registry(dict):
    """Source id -> declaration, each module imported on first use."""

    def __missing__(self, source_id: str) -> Source:
        source = importlib.import_module(_MODULES[source_id]).SOURCE
        self[source_id] = source
        return source

    def ids(self) -> list[str]:
        return list(_MODULES)

    def sources(self) -> list[Source]:
        """Every declaration, in registry order."""
        return [self[source_id] for source_id in _MODULES]

    def limits(self, host: str) -> Limits:
        """The politeness limits of the publisher on ``host`` (defaults for any other host)."""
        return next((s.limits for s in self.sources() if host in s.hosts()), DEFAULT)


REGISTRY = _Registry()
