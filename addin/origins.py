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
from addin.errors import KeyMissing, LayoutChanged, NoData, SourceUnavailable
from addin.sources import REGISTRY
from addin.sources.base import FRESHEST, FlowSpec, Origin, SeriesSpec

GIVE_WAY = (SourceUnavailable, LayoutChanged)


def column_for(engine, spec: SeriesSpec, start: int | None, end: int | None) -> Column:
    """The column of ``spec`` covering day numbers ``[start, end]`` (``start`` None: recent)."""
    first = spec.origins[0]
    if _direct(spec, first, end) and (len(spec.origins) == 1 or not _down(engine, first.source,
                                                                          first.key)):
        try:  # most lookups: one file, one column, no planning
            return engine.column(first.source, first.key, first.column)
        except GIVE_WAY as exc:
            if len(spec.origins) == 1:
                raise
            return answer(engine, spec, start, end, tried=(first, exc))[2]
    return answer(engine, spec, start, end)[2]


def _direct(spec: SeriesSpec, first: Origin, end: int | None) -> bool:
    """Whether the first origin answers any window by itself when it answers at all."""
    if first.key is None:
        return False
    if len(spec.origins) == 1:
        return True
    return ((spec.rule != FRESHEST or end is not None) and first.since is None
            and first.max_files is None and first.recent_days is None)


def answer(engine, spec: SeriesSpec, start: int | None, end: int | None, tried=None):
    """``(origin, keys, column)`` of the origin that answers for ``[start, end]``, by the rule.

    ``tried``: ``(origin, failure)`` of an origin just asked, which is not asked again.
    """
    plan = _plan(engine, spec, start, end)
    if spec.rule == FRESHEST and end is None:
        return _freshest(engine, spec, plan)
    problems = [tried[1]] if tried else []
    for origin, keys in plan:
        if tried and origin == tried[0] and keys == (origin.key,):
            continue
        if len(keys) == 1 and (failure := _down(engine, origin.source, keys[0])) is not None:
            problems.append(failure)
            continue
        try:
            return origin, keys, _origin_column(engine, origin, keys)
        except GIVE_WAY as exc:
            problems.append(exc)
    raise _reason(spec.id, problems).with_traceback(None)


def _down(engine, source: str, key: str) -> Exception | None:
    """The remembered failure of a file that has never loaded: asked again only when it expires.

    Checked before asking, so that a lookup whose first origin is down costs two dict reads
    rather than an exception on every call.
    """
    if engine.frame_if_loaded(source, key) is not None:
        return None
    return engine.failures.recent((source, key))


def _freshest(engine, spec: SeriesSpec, plan):
    """Of the origins that answer, the one holding the newest observation (ties: the first)."""
    best, problems = None, []
    for origin, keys in plan:
        if len(keys) == 1 and (failure := _down(engine, origin.source, keys[0])) is not None:
            problems.append(failure)
            continue
        try:
            found = _origin_column(engine, origin, keys)
        except GIVE_WAY as exc:
            problems.append(exc)
            continue
        if len(found) and (best is None or found.days[-1] > best[2].days[-1]):
            best = (origin, keys, found)
    if best is None:
        if problems:
            raise _reason(spec.id, problems).with_traceback(None)
        raise NoData(f"No data for {spec.id}")
    return best


def flow_column(engine, spec: FlowSpec, market: str, measure: str) -> Column:
    """A flow's column (market, investor, measure) from the first of its origins that answers.

    Periods without a published figure stay in the column as NaN. A ``NoData`` (the frame has no
    such column) carries the ``origin`` whose frame was asked, for the caller's diagnosis.
    """
    problems = []
    for origin in spec.all_origins:
        if len(spec.all_origins) > 1 and (failure := _down(engine, origin.source, origin.key)):
            problems.append(failure)
            continue
        try:
            return engine.column(origin.source, origin.key, (market, origin.column, measure), True)
        except GIVE_WAY as exc:
            problems.append(exc)
        except NoData as exc:
            exc.origin = origin
            raise
    raise _reason(spec.id, problems).with_traceback(None)


def flow_answer(engine, spec: FlowSpec) -> Origin:
    """The origin a flow's figures come from now (the first that loads), for ``JP_INFO``."""
    problems = []
    for origin in spec.all_origins:
        try:
            engine.load(origin.source, origin.key)
            return origin
        except GIVE_WAY as exc:
            problems.append(exc)
    raise _reason(spec.id, problems)


def _reason(series_id: str, problems: list[Exception]) -> Exception:
    """The failure to report when no origin answered: the first real one, else the keys to set.

    An origin skipped for want of an API key says less than one that was asked and failed; when
    every origin lacks its key, the message lists them all, with the user's own file as the
    other way.
    """
    asked = [p for p in problems if not isinstance(p, KeyMissing)]
    if asked or len(problems) == 1:
        return (asked or problems)[0]
    settings = " or ".join(dict.fromkeys(p.setting for p in problems))
    return KeyMissing(series_id, settings,
                      f"{series_id}: set {settings}, or JPFLOWS_CSV_{series_id}")


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
        engine.remember(memo_key, plan)
    return plan


def _keys(origin: Origin, start: int | None, end: int | None, today) -> tuple[str, ...] | None:
    """The keys an origin reads for the window, or ``None`` when it does not cover it."""
    if origin.since is not None and start is not None and start < _day(origin.since):
        return None
    if origin.recent_days is not None and start is not None and (
            start < _day(today) - origin.recent_days):
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
        cached = engine.remember(memo_key, (parts, Column.joined(parts)))
    return cached[1]


@lru_cache(maxsize=4096)
def _date(day: int | None):
    return None if day is None else dates.to_date(day)


@lru_cache(maxsize=64)
def _day(when) -> int:
    return dates.day_number(when)
