"""Where every number comes from, how fresh it is, which ids exist, and revalidating on demand."""

from __future__ import annotations

from datetime import datetime, timezone

import pandas as pd

from addin import catalogue, dates
from addin.errors import BadArgument, UnknownSeries
from addin.queries.flows import flows as flow_table
from addin.queries.series import EARLIEST
from addin.origins import column_for
from addin.sources import REGISTRY

HEDGE_NOTE = ("Hedge legs use overnight SOFR and TONA as stand-ins for term rates; "
              "basis only as given")
USD_NOTE = "USD flows: each period at the mean of that period's daily USDJPY (FRED DEXJPUS)"


def info(engine, series_id: str) -> dict[str, object]:
    """Provenance of a series or flow id: source, URL, unit, dates covered, fetch time, staleness."""
    try:
        spec = engine.spec(series_id)
    except UnknownSeries:
        return _flow_info(engine, engine.flow_spec(series_id))
    recent = column_for(engine, spec, None, None)  # what JP_VALUE answers from
    whole = column_for(engine, spec, EARLIEST, None)
    origin = next((o for o in spec.origins if _read_by(o.source, recent.urls)), spec.origins[0])
    return {
        "id": spec.id, "description": spec.description, "source": REGISTRY[origin.source].name,
        "url": recent.urls[-1] if recent.urls else _location(spec, origin),
        "unit": spec.unit, "frequency": spec.frequency,
        "first": dates.ymd(whole.days[0]) if len(whole) else None,
        "last": dates.ymd(recent.days[-1]) if len(recent) else None,
        **_freshness(engine, recent.urls),
        "note": HEDGE_NOTE if spec.id in ("SOFR", "TONA") else spec.note,
    }


def _location(spec, origin) -> str:
    key = origin.key if origin.key is not None else ""
    return REGISTRY[origin.source].location(key)


def _flow_info(engine, spec) -> dict[str, object]:
    loaded = engine.load(spec.source, spec.key)
    data = flow_table(engine, spec.id)
    return {
        "id": spec.id, "description": spec.description, "source": REGISTRY[spec.source].name,
        "url": loaded.urls[-1] if loaded.urls else REGISTRY[spec.source].location(spec.key),
        "unit": "JPY bn", "frequency": spec.frequency,
        "first": dates.ymd(data.index[0]), "last": dates.ymd(data.index[-1]),
        **_freshness(engine, loaded.urls), "note": USD_NOTE,
    }


def _read_by(source_id: str, urls) -> bool:
    """Whether ``urls`` came from the files of ``source_id`` (same host as one it declares)."""
    hosts = {file.url.split("/")[2] for file in REGISTRY[source_id].files if "://" in file.url}
    return any(url.split("/")[2] in hosts for url in urls if "://" in url)


def _freshness(engine, urls) -> dict[str, object]:
    records = [r for url in urls if (r := engine.fetcher.records.get(url))] if urls else []
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
    how old it is, and which download last failed.
    """
    now = engine.clock.now()
    failures = engine.fetcher.store.failures()
    rows = []
    for source in REGISTRY.sources():
        records = [r for r in engine.fetcher.records.values() if r.source == source.name]
        records = records or _cached_records(engine, source, failures)
        fetched = [r.fetched_at for r in records if r.fetched_at is not None]
        oldest = min(fetched, default=None)
        error = engine.last_error(source.id)
        rows.append({
            "source": source.name, "last_fetch": _stamp(oldest) if oldest else None,
            "age_hours": round(_age(now, oldest), 1) if oldest else None,
            "state": _state(records, error),
            "detail": error or next((r.error for r in records if r.error), ""),
            "cache": engine.config.cache_label,
        })
    return rows


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
    return [(source.id, key) for source in REGISTRY.sources() for key in source.headline_keys(today)]


def refresh(engine, progress=None) -> dict[str, str]:
    """Revalidate every source loaded so far (or the headline set) with its publisher."""
    keys = engine.loaded_keys() or default_keys(engine)
    outcome = engine.refresh(keys, progress)
    return {f"{REGISTRY[s].name} {k}".strip(): result for (s, k), result in outcome.items()}


def search(engine, text: str) -> list[tuple[str, str, str]]:
    """(id, kind, description) of every series and flow whose id or description has all words."""
    if not isinstance(text, str):
        raise BadArgument('search text must be text, e.g. "JGB"')
    found = []
    for source_id, key in engine.loaded_keys():
        frame = engine.frame_if_loaded(source_id, key)
        if frame is not None and isinstance(frame.columns, pd.MultiIndex):
            investors = dict.fromkeys(frame.columns.get_level_values(1))
            found += catalogue.discovered_flows(source_id, key, investors)
    return engine.catalogue.search(text, tuple(found))
