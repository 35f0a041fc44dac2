"""Where every number comes from, how fresh it is, which ids exist, and revalidating on demand."""

from __future__ import annotations

from datetime import datetime, timezone

import pandas as pd

from addin import dates
from addin.errors import BadArgument, NoData, UnknownSeries
from addin.queries.flows import flows as flow_table
from addin.queries.series import EARLIEST
from addin.origins import GIVE_WAY, answer, column_for, flow_answer
from addin.sources import REGISTRY

HEDGE_NOTE = ("Hedge legs use overnight SOFR and TONA as stand-ins for term rates; "
              "basis only as given")
USD_NOTE = "USD flows: each period at the mean of that period's daily USDJPY (JP_INFO USDJPY)"


def info(engine, series_id: str) -> dict[str, object]:
    """Provenance of a series or flow id: source, URL, unit, dates covered, fetch time, staleness.

    For "latest" the origin that answers is named (``origin``, ``url``), with the date of its
    last observation (``last``) and that date's age (``age_days``). ``stale`` is true when the
    copy in use could not be revalidated or when that observation is older than the series'
    frequency allows (a daily series more than a week); ``note`` then says which.
    """
    try:
        spec = engine.spec(series_id)
    except UnknownSeries:
        return _flow_info(engine, engine.flow_spec(series_id))
    origin, keys, recent = _latest(engine, spec)  # what JP_VALUE answers from
    whole = _whole(engine, spec, recent)
    source = REGISTRY[origin.source]
    last = recent.days[-1] if len(recent) else None
    age = _age_days(engine, last)
    fresh = _freshness(engine, recent.urls)
    overdue = age is not None and age > spec.overdue_days
    return {
        "id": spec.id, "description": spec.description, "source": source.name,
        "origin": _origin_label(spec, origin, keys),
        "url": recent.urls[-1] if recent.urls else _location(spec, origin),
        "unit": spec.unit, "frequency": spec.frequency,
        "first": dates.ymd(whole.days[0]) if len(whole) else None,
        "last": dates.ymd(last) if last is not None else None, "age_days": age,
        **fresh, "stale": fresh["stale"] or overdue,
        "note": _note(HEDGE_NOTE if spec.id in ("SOFR", "TONA") else spec.note, source,
                      recent.urls, age if overdue else None, spec.overdue_days),
        "attribution": source.attribution,
    }


def _whole(engine, spec, recent):
    """The longest history an origin gives; the recent column when no long one answers."""
    try:
        return column_for(engine, spec, EARLIEST, None)
    except (*GIVE_WAY, NoData):
        return recent


def _latest(engine, spec):
    """(origin, keys, column) behind a "latest" lookup."""
    only = spec.origins[0]
    if len(spec.origins) == 1 and only.key is not None:
        return only, (only.key,), engine.column(only.source, only.key, only.column)
    return answer(engine, spec, None, None)


def _origin_label(spec, origin, keys) -> str:
    """``FRED DGS5``, ``US Treasury 2025``: the source and the file key that answered."""
    if origin.source == "csv":  # the user's own file: its setting, not its path
        return f"JPFLOWS_CSV_{spec.id.split(':')[-1]}"
    return " ".join(filter(None, (REGISTRY[origin.source].name, keys[-1] if keys else "")))


def _age_days(engine, day: int | None) -> int | None:
    return None if day is None else dates.day_number(engine.clock.today()) - day


def _note(base: str, source, urls, overdue_age: int | None, allowed: int) -> str:
    """The series' own note, what the files used ask to know, and why latest is stale."""
    notes = [base] if base else []
    for url in dict.fromkeys(urls):
        found = source.file_for(url)
        if found is not None and found.note and found.note not in notes:
            notes.append(found.note)
    if overdue_age is not None:
        notes.append(f"latest observation is {overdue_age} days old (expected within {allowed})")
    return "; ".join(notes)


def _location(spec, origin) -> str:
    key = origin.key if origin.key is not None else ""
    return REGISTRY[origin.source].location(key)


def _flow_info(engine, spec) -> dict[str, object]:
    origin = flow_answer(engine, spec)
    source = REGISTRY[origin.source]
    loaded = engine.load(origin.source, origin.key)
    data = flow_table(engine, spec.id)
    age = _age_days(engine, dates.day_number(data.index[-1]))
    fresh = _freshness(engine, loaded.urls)
    overdue = age > spec.overdue_days
    return {
        "id": spec.id, "description": spec.description, "source": source.name,
        "origin": _origin_label(spec, origin, (origin.key,)),
        "url": loaded.urls[-1] if loaded.urls else source.location(origin.key),
        "unit": "JPY bn", "frequency": spec.frequency,
        "first": dates.ymd(data.index[0]), "last": dates.ymd(data.index[-1]), "age_days": age,
        **fresh, "stale": fresh["stale"] or overdue,
        "note": _note(USD_NOTE, source, loaded.urls, age if overdue else None, spec.overdue_days),
        "attribution": source.attribution,
    }


def _freshness(engine, urls) -> dict[str, object]:
    records = [r for url in urls if (r := engine.fetch_record(url))] if urls else []
    fetched = [r.fetched_at for r in records if r.fetched_at is not None]
    errors = [r.error for r in records if r.error]
    return {
        "last_fetch": _stamp(min(fetched)) if fetched else None,
        "stale": any(r.stale for r in records),
        "error": errors[0] if errors else None,
    }


def _stamp(when: datetime) -> str:
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return when.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")


def status(engine) -> list[dict[str, object]]:
    """One row per source: last fetch, age in hours, OK/stale/error/not loaded, cache location.

    A source not used yet by this process is reported from the copies in the cache and the
    failures kept with it, so a new Excel session or ``jpflows status`` still shows what is stored,
    how old it is, and which download last failed; a source whose API key is not set says which
    setting would enable it.
    """
    now = engine.clock.now()
    failures = engine.fetcher.store.failures()
    return [_status_row(engine, source, now, failures) for source in REGISTRY.sources()]


def _status_row(engine, source, now, failures) -> dict[str, object]:
    records = [r for r in engine.fetcher.records.values() if r.source == source.name]
    records = records or _cached_records(engine, source, failures)
    fetched = [r.fetched_at for r in records if r.fetched_at is not None]
    oldest = min(fetched, default=None)
    error = engine.last_error(source.id)
    keyless = "" if records else _without_key(engine, source)
    return {
        "source": source.name, "last_fetch": _stamp(oldest) if oldest else None,
        "age_hours": round(_age(now, oldest), 1) if oldest else None,
        "state": "no key" if keyless else _state(records, error),
        "detail": keyless or error or next((r.error for r in records if r.error), ""),
        "cache": engine.config.cache_label,
    }


def _without_key(engine, source) -> str:
    """What to set, for a source that needs an API key the user has not set ("" otherwise)."""
    wanted = source.credential
    if wanted is None or engine.config.key(wanted.setting):
        return ""
    return f"optional; set {wanted.setting} ({wanted.how})"


def _cached_records(engine, source, failures) -> list:
    """Records of the headline files of a source and of its failed files, read from the cache."""
    from addin.http import FetchRecord

    fetcher, found = engine.fetcher, {}
    for key in source.headline_keys(engine.clock.today()):
        first = source.first_request(key)
        cached = fetcher.cached(first[0]) if first else None
        if cached is not None:
            found[first[0]] = fetcher.copy_record(first[0], source.name, cached)
    for note in failures:
        if note.source == source.name and note.url not in found:
            cached = fetcher.cached(note.url)
            found[note.url] = FetchRecord(note.url, source.name,
                                          cached.created_at if cached else None, True, note.error)
    return list(found.values())


def _age(now: datetime, then: datetime) -> float:
    then = then if then.tzinfo else then.replace(tzinfo=timezone.utc)
    return (now - then).total_seconds() / 3600


def _state(records, error: str | None) -> str:
    if not records:
        return "error" if error else "not loaded"
    if any(r.fetched_at is None for r in records):
        return "error"
    return "stale" if any(r.stale for r in records) or error else "OK"


def default_keys(engine) -> list[tuple[str, str]]:
    """The files behind the headline monitor, for a refresh before anything was asked."""
    today = engine.clock.today()
    return [(source.id, key) for source in REGISTRY.sources() if not _without_key(engine, source)
            for key in source.headline_keys(today)]


def refresh(engine, progress=None) -> dict[str, str]:
    """Revalidate every source loaded so far (or the headline set) with its publisher."""
    keys = engine.loaded_keys() or default_keys(engine)
    outcome = engine.refresh(keys, progress)
    return {f"{REGISTRY[s].name} {k}".strip(): result for (s, k), result in outcome.items()}


def search(engine, text: str) -> list[tuple[str, str, str]]:
    """(id, kind, description) of every series and flow whose id or description has all words."""
    from addin import catalogue  # every source's declarations: only a search needs them all

    if not isinstance(text, str):
        raise BadArgument('search text must be text, e.g. "JGB"')
    found = []
    for source_id, key in engine.loaded_keys():
        frame = engine.frame_if_loaded(source_id, key)
        if frame is not None and isinstance(frame.columns, pd.MultiIndex):
            investors = dict.fromkeys(frame.columns.get_level_values(1))
            found += catalogue.discovered_flows(source_id, key, investors)
    return engine.catalogue.search(text, tuple(found))
