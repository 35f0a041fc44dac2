"""Choosing among a series' origins by the rule its declaration names.

A series declares its origins in order (:class:`~addin.sources.base.Origin`) and a rule between
them: ``first`` takes the first origin that covers the dates asked for and answers; ``freshest``
does the same for a dated lookup but, for "latest", asks every origin and takes the newest
observation. An origin covers a window when the window starts inside its coverage (``since``) and
needs no more of its files than it allows (``max_files``). A source or file that is down or changed
gives way to the next origin.
"""

from __future__ import annotations

from functools import lru_cache

from addin import dates
from addin.column import Column
from addin.errors import LayoutChanged, NoData, SourceUnavailable
from addin.sources import REGISTRY
from addin.sources.base import FRESHEST, Origin, SeriesSpec

GIVE_WAY = (SourceUnavailable, LayoutChanged)
_PLANS = 4096


def column_for(engine, spec: SeriesSpec, start: int | None, end: int | None) -> Column:
    """The column of ``spec`` covering day numbers ``[start, end]`` (``start`` None: recent)."""
    origins = spec.origins
    if len(origins) == 1 and origins[0].key is not None:  # most series: one file, one column
        only = origins[0]
        return engine.column(only.source, only.key, only.column)
    plan = _plan(engine, spec, start, end)
    if spec.rule == FRESHEST and end is None:
        return _freshest(engine, spec, plan)
    problem = None
    for origin, keys in plan:
        try:
            return _origin_column(engine, origin, keys)
        except GIVE_WAY as exc:
            problem = problem or exc
    raise problem


def _freshest(engine, spec: SeriesSpec, plan) -> Column:
    """Of the origins that answer, the one holding the newest observation (ties: the first)."""
    best, problem = None, None
    for origin, keys in plan:
        try:
            found = _origin_column(engine, origin, keys)
        except GIVE_WAY as exc:
            problem = problem or exc
            continue
        if len(found) and (best is None or found.days[-1] > best.days[-1]):
            best = found
    if best is None:
        raise problem or NoData(f"No data for {spec.id}")
    return best


def _plan(engine, spec: SeriesSpec, start: int | None, end: int | None):
    """``[(origin, keys), ...]`` of the origins covering the window, in declared order."""
    today = engine.clock.today()
    memo_key = ("plan", spec.id, start, end, today)
    plan = engine.memo.get(memo_key)
    if plan is None:
        plan = [(origin, keys) for origin in spec.origins
                if (keys := _keys(origin, start, end, today)) is not None]
        if not plan:
            raise NoData(f"No origin of {spec.id} covers "
                         f"{dates.ymd(start) if start is not None else 'recent dates'}")
        if len(engine.memo) > _PLANS:
            engine.memo.clear()
        engine.memo[memo_key] = plan
    return plan


def _keys(origin: Origin, start: int | None, end: int | None, today) -> tuple[str, ...] | None:
    """The keys an origin reads for the window, or ``None`` when it does not cover it."""
    if origin.since is not None and start is not None and start < _day(origin.since):
        return None
    keys = REGISTRY[origin.source].keys_for(origin, _date(start), _date(end), today)
    if not keys or (origin.max_files is not None and len(keys) > origin.max_files):
        return None
    return keys


def _origin_column(engine, origin: Origin, keys: tuple[str, ...]) -> Column:
    if len(keys) == 1:
        return engine.column(origin.source, keys[0], origin.column)
    parts, problem = [], None
    for key in keys:  # a year not (yet) published is skipped when another one answers
        try:
            parts.append(engine.column(origin.source, key, origin.column))
        except GIVE_WAY as exc:
            problem = problem or exc
    if not parts:
        raise problem
    memo_key = ("joined", origin, keys)
    cached = engine.memo.get(memo_key)
    if cached is None or len(cached[0]) != len(parts) or any(
            a is not b for a, b in zip(cached[0], parts)):
        cached = engine.memo[memo_key] = (parts, Column.joined(parts))
    return cached[1]


@lru_cache(maxsize=4096)
def _date(day: int | None):
    return None if day is None else dates.to_date(day)


@lru_cache(maxsize=64)
def _day(when) -> int:
    return dates.day_number(when)
