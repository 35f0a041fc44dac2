"""The public Python API: one obvious function per question, answering with numbers or pandas.

Everything the Excel functions and the command line show comes through here::

    >>> from addin import api
    >>> api.value("JGB10Y", "2025-09-30")
    1.662
    >>> api.flow_sum("BOP:Foreign:Equity", "2025-01-01", "2025-12-31")
    8443.4

Dates may be ISO strings, ``datetime``/``date`` objects or ``pandas.Timestamp``; ``None`` means
"latest available". Yields and rates are in percent as published, flows in JPY billions.
"""

from __future__ import annotations

import threading
from datetime import date as _date, datetime
from functools import lru_cache
from typing import Union

import numpy as np
import pandas as pd

from addin import catalogue
from addin.config import Config
from addin.engine import Column, Engine
from addin.errors import BadArgument, LayoutChanged, NoData, SourceUnavailable

DateLike = Union[str, _date, datetime, pd.Timestamp, None]
SeriesLike = Union[str, pd.Series]
TREASURY_FIRST_YEAR = 1990

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
    _spec.cache_clear()


# -- dates ---------------------------------------------------------------------------------

@lru_cache(maxsize=4096)
def _parse_date_text(text: str) -> pd.Timestamp:
    day, rest = text.strip()[:10], text.strip()[10:]
    try:
        if rest and rest[0] not in "T ":  # a time of day may follow; anything else is a typo
            raise ValueError(rest)
        return pd.Timestamp(datetime.strptime(day, "%Y-%m-%d"))
    except ValueError:
        raise BadArgument(f'Date "{text[:20]}" not understood; use YYYY-MM-DD') from None


def to_timestamp(when: DateLike) -> pd.Timestamp | None:
    """Normalise a date argument to a midnight ``Timestamp`` (``None`` stays ``None``)."""
    if when is None:
        return None
    if isinstance(when, str):
        return _parse_date_text(when) if when.strip() else None
    if isinstance(when, (datetime, _date)):
        return pd.Timestamp(when.year, when.month, when.day)
    raise BadArgument(f"{type(when).__name__} is not a date; use YYYY-MM-DD")


def _ymd(when) -> str:
    return pd.Timestamp(when).strftime("%Y-%m-%d")


# -- series --------------------------------------------------------------------------------

@lru_cache(maxsize=1024)
def _spec(series_id: str) -> catalogue.SeriesSpec:
    return catalogue.series_spec(series_id, engine().config.csv_files)


def spec(series_id: str) -> catalogue.SeriesSpec:
    """The catalogue entry of a series id (case-insensitive)."""
    if not isinstance(series_id, str) or not series_id.strip():
        raise BadArgument("Series id is empty; try JP_SEARCH(\"JGB\")")
    return _spec(series_id)


def _years(start: pd.Timestamp | None, end: pd.Timestamp | None) -> tuple[int, ...]:
    return _year_span(start, end, engine().clock().year)


@lru_cache(maxsize=4096)
def _year_span(start: pd.Timestamp | None, end: pd.Timestamp | None, this_year: int) -> tuple[int, ...]:
    """Calendar years of yearly files covering [start, end]; no dates: this year and last."""
    last = min(end.year if end is not None else this_year, this_year)
    first = start.year if start is not None else last - 1
    return tuple(range(max(first, TREASURY_FIRST_YEAR), last + 1))


_joined: dict[tuple, tuple[list[Column], Column]] = {}


def _origin_column(origin: catalogue.Origin, years: tuple[int, ...]) -> Column:
    eng = engine()
    if origin.key != "{year}":
        return eng.column(origin.source, origin.key, origin.column)
    parts = _year_parts(eng, origin, years)
    key = (origin, years)
    cached = _joined.get(key)
    if cached is None or len(cached[0]) != len(parts) or any(
            a is not b for a, b in zip(cached[0], parts)):
        joined = Column(np.concatenate([p.dates for p in parts]),
                        np.concatenate([p.values for p in parts]),
                        tuple(u for p in parts for u in p.urls))
        _joined.clear() if len(_joined) > 256 else None
        cached = _joined[key] = (parts, joined)
    return cached[1]


def _year_parts(eng: Engine, origin: catalogue.Origin, years: tuple[int, ...]) -> list[Column]:
    """One column per yearly file; a year not (yet) published is skipped if another answers."""
    parts, problem = [], None
    for year in years:
        try:
            parts.append(eng.column(origin.source, str(year), origin.column))
        except (SourceUnavailable, LayoutChanged) as exc:
            problem = problem or exc
    if not parts:
        raise problem
    return parts


def column(series_id: str, start: DateLike = None, end: DateLike = None) -> Column:
    """The series as arrays, loading only the files that cover ``[start, end]``."""
    found = spec(series_id)
    if len(found.origins) == 1 and found.origins[0].key != "{year}":
        origin = found.origins[0]  # the common case, kept free of per-call allocations
        return engine().column(origin.source, origin.key, origin.column)
    years = _years(to_timestamp(start), to_timestamp(end))
    origins = found.origins
    if len(years) > 2:
        # Decades of history: one FRED file rather than a Treasury download per year.
        origins = sorted(origins, key=lambda o: o.key == "{year}")
    problem = None
    for origin in origins:  # a source that is down or changed gives way to the next
        try:
            return _origin_column(origin, years)
        except (SourceUnavailable, LayoutChanged) as exc:
            problem = problem or exc
    raise problem


@lru_cache(maxsize=4096)
def _day64(when) -> np.datetime64:
    return np.datetime64(to_timestamp(when), "ns")


@lru_cache(maxsize=4096)
def _lookback(when, days: int) -> pd.Timestamp:
    """Start of the staleness window: early January must still see late December's file."""
    return to_timestamp(when) - pd.Timedelta(days=days)


def _observe(series_id: str, when: DateLike) -> tuple[np.datetime64, float]:
    """The hot path of every scalar lookup: arrays and a binary search, no pandas objects."""
    if when is None or (isinstance(when, str) and not when.strip()):
        col = column(series_id)
        if len(col.dates) == 0:
            raise NoData(f"No data for {spec(series_id).id}")
        return col.dates[-1], float(col.values[-1])
    day = _day64(when)
    limit = spec(series_id).max_age_days
    col = column(series_id, _lookback(when, limit), when)
    found = col.at_or_before(day)
    if found is None:
        raise NoData(f"No data before {_ymd(col.dates[0])}" if len(col.dates) else
                     f"No data for {spec(series_id).id}")
    if day - found[0] > np.timedelta64(limit, "D"):
        raise NoData(f"No data within {limit} days before {_ymd(day)}")
    return found


def observation(series_id: str, when: DateLike = None) -> tuple[pd.Timestamp, float]:
    """The latest (date, value) on or before ``when``; ``None``: the latest available."""
    found = _observe(series_id, when)
    return pd.Timestamp(found[0]), found[1]


def value(series_id: str, when: DateLike = None) -> float:
    """The value of a series on ``when`` (latest observation on or before it)."""
    return _observe(series_id, when)[1]


def series(series_id: SeriesLike, start: DateLike = None, end: DateLike = None,
           interval: int = 0) -> pd.Series:
    """Observations in ``[start, end]`` (both optional); interval 0 daily, 1 weekly, 2 monthly."""
    from addin.calc.rally import resample

    start, end = to_timestamp(start), to_timestamp(end)
    if start is not None and end is not None and start > end:
        raise BadArgument(f"start {_ymd(start)} is after end {_ymd(end)}")
    data = series_id if isinstance(series_id, pd.Series) else column(
        series_id, start if start is not None else pd.Timestamp(TREASURY_FIRST_YEAR, 1, 1),
        end).to_series()
    window = data.loc[start:end] if len(data) else data
    if window.dropna().empty:
        raise NoData(f"No data between {_ymd(start) if start is not None else 'start'} and "
                     f"{_ymd(end) if end is not None else 'today'}")
    return resample(window.dropna(), interval)


def _choice(text, allowed: tuple[str, ...], what: str) -> str:
    if not isinstance(text, str) or text.strip().lower() not in [a.lower() for a in allowed]:
        raise BadArgument(f'{what} "{str(text)[:12]}" not allowed; use ' + ", ".join(allowed))
    return next(a for a in allowed if a.lower() == text.strip().lower())


# -- discovery, provenance, refresh ----------------------------------------------------------

def search(text: str) -> list[tuple[str, str, str]]:
    """(id, kind, description) of every series and flow whose id or description has all words."""
    if not isinstance(text, str):
        raise BadArgument("search text must be text, e.g. \"JGB\"")
    found = []
    for source, key in engine().loaded_keys():
        frame = engine().frame_if_loaded(source, key)
        if frame is not None and isinstance(frame.columns, pd.MultiIndex):
            investors = dict.fromkeys(frame.columns.get_level_values(1))
            found += catalogue.discovered_flows(source, key, investors)
    return catalogue.search(text, tuple(found))


from addin.flows import (  # noqa: E402,F401  (re-exported)
    CURRENCIES, MEASURES, flow, flow_rank, flow_spec, flow_sum, flows)
from addin.provenance import info, refresh, status  # noqa: E402,F401  (re-exported)
from addin.measures import (  # noqa: E402,F401  (re-exported)
    change, drawdown, hedge_cost, hedged_spread, hedged_yield, high, is_record, low, rally,
    relative, spread)
