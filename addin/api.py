"""The public Python API: one obvious function per question, answering with numbers or pandas.

Everything the Excel functions and the command line show comes through here::

    >>> from addin import api
    >>> api.value("JGB10Y", "2025-09-30")
    1.662
    >>> api.flow_sum("BOP:Foreign:Equity", "2025-01-01", "2025-12-31")
    8443.4

Dates may be ISO strings (``YYYY-MM-DD``, ``YYYY/M/D``, ``YYYYMMDD``), ``datetime``/``date``
objects or ``pandas.Timestamp``; ``None`` means "latest available". Yields and rates are in
percent as published, flows in JPY billions.

Each function here is a query of :mod:`addin.queries` bound to the process's default engine,
built from the environment on first use; :func:`use` replaces it (tests, a second cache), and
everything the old engine remembered goes with it.
"""

from __future__ import annotations

import functools
import inspect
import threading
from typing import Callable

from addin.config import Config
from addin.dates import DateLike, to_timestamp  # noqa: F401  (part of the API)
from addin.engine import Engine
from addin.queries import flows as _flows, hedging as _hedging, provenance as _provenance
from addin.queries import ranges as _ranges, series as _series

_engine: Engine | None = None
_engine_lock = threading.Lock()


def engine() -> Engine:
    """The process's engine, built from the environment on first use."""
    global _engine
    if _engine is None:
        with _engine_lock:
            if _engine is None:
                _engine = Engine(Config.from_env())
    return _engine


def use(new_engine: Engine | None) -> None:
    """Replace the process's engine (``None``: rebuild from the environment on next use)."""
    global _engine
    _engine = new_engine


def _bound(query: Callable, remember: bool = True, table: bool = False) -> Callable:
    """``query(engine, ...)`` as ``function(...)`` on the default engine, same docs and names.

    A ``remember``-ed query's answers are kept by the engine while the frames they read hold
    (:mod:`addin.answers`), which is what a recalculating sheet asks for again and again; a
    ``table`` (a pandas Series) is handed out as a copy, so a caller may change it freely.
    """

    @functools.wraps(query)
    def call(*args, **kwargs):
        bound = _engine or engine()
        if not remember:
            return query(bound, *args, **kwargs)
        key = (query, args, tuple(kwargs.items())) if kwargs else (query, args)
        found = bound.answers.get(key, query, bound, *args, **kwargs)
        return found.copy() if table else found

    signature = inspect.signature(query)
    call.__signature__ = signature.replace(parameters=list(signature.parameters.values())[1:])
    return call


def spec(series_id: str):
    """The catalogue entry of a series id (case-insensitive)."""
    return engine().spec(series_id)


def flow_spec(investor: str):
    """The catalogue entry of a flow id (case-insensitive)."""
    return engine().flow_spec(investor)


column = _bound(_series.column)
observation = _bound(_series.observation)
value = _bound(_series.value)
series = _bound(_series.series, table=True)
series_rows = _bound(_series.rows)
change = _bound(_series.change)
spread = _bound(_series.spread)
relative = _bound(_series.relative)

rally = _bound(_ranges.rally)
low = _bound(_ranges.low)
high = _bound(_ranges.high)
drawdown = _bound(_ranges.drawdown)
is_record = _bound(_ranges.is_record)

flow = _bound(_flows.flow)
flows = _bound(_flows.flows, table=True)
flow_rows = _bound(_flows.flow_rows)
flow_sum = _bound(_flows.flow_sum)
flow_rank = _bound(_flows.flow_rank)
MEASURES, CURRENCIES = _flows.MEASURES, _flows.CURRENCIES

hedged_yield = _hedging.hedged_yield  # pure arithmetic: no engine needed
hedge_cost = _bound(_hedging.hedge_cost)
hedged_spread = _bound(_hedging.hedged_spread)
hedged_legs = _bound(_hedging.hedged_legs)
hedged_series = _bound(_hedging.hedged_series)

info = _bound(_provenance.info, remember=False)  # fetch times and staleness change on their own
status = _bound(_provenance.status, remember=False)
refresh = _bound(_provenance.refresh, remember=False)
search = _bound(_provenance.search, remember=False)
