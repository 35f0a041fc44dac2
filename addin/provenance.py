"""Where every number comes from, how fresh it is, and revalidating it on demand."""

from __future__ import annotations

from datetime import datetime, timezone

import pandas as pd

from addin import catalogue
from addin.errors import AddinError, UnknownSeries
from addin.sources import REGISTRY

HEDGE_NOTE = ("Hedge legs use overnight SOFR and TONA as stand-ins for term rates; "
              "basis only as given")
USD_NOTE = "USD flows: each period at the mean of that period's daily USDJPY (FRED DEXJPUS)"


def _api():
    from addin import api

    return api


def info(series_id: str) -> dict[str, object]:
    """Provenance of a series or flow id: source, URL, unit, dates covered, fetch time, staleness."""
    api = _api()
    try:
        spec = api.spec(series_id)
    except UnknownSeries:
        return _flow_info(api.flow_spec(series_id))
    recent = api.column(series_id)  # what JP_VALUE answers from
    history = api.column(series_id, pd.Timestamp(api.TREASURY_FIRST_YEAR, 1, 1), None)
    origin = next((o for o in spec.origins if _urls_from(o, recent.urls)), spec.origins[0])
    return {
        "id": spec.id, "description": spec.description, "source": REGISTRY[origin.source].NAME,
        "url": origin.url if origin.key != "{year}" else (recent.urls[-1] if recent.urls else origin.url),
        "unit": spec.unit, "frequency": spec.frequency,
        "first": _day(history.dates[0]) if len(history.dates) else None,
        "last": _day(recent.dates[-1]) if len(recent.dates) else None,
        **_freshness(recent.urls),
        "note": HEDGE_NOTE if spec.id in ("SOFR", "TONA") else spec.note,
    }


def _flow_info(spec: catalogue.FlowSpec) -> dict[str, object]:
    loaded = _api().engine().loaded(spec.source, spec.key)
    data = _api().flows(spec.id)
    return {
        "id": spec.id, "description": spec.description, "source": REGISTRY[spec.source].NAME,
        "url": spec.url, "unit": "JPY bn", "frequency": spec.frequency,
        "first": _day(data.index[0]), "last": _day(data.index[-1]),
        **_freshness(loaded.urls), "note": USD_NOTE,
    }


def _urls_from(origin: catalogue.Origin, urls) -> bool:
    host = origin.url.split("/")[2]
    return any(host in url for url in urls)


def _day(when) -> str:
    return pd.Timestamp(when).strftime("%Y-%m-%d")


def _freshness(urls) -> dict[str, object]:
    records = [r for url in urls if (r := _api().engine().fetcher.records.get(url))]
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


def status() -> list[dict[str, object]]:
    """One row per source: last fetch, age in hours, OK/stale/error/not loaded, cache location.

    A source not used yet by this process is reported from the copies in the cache, so a new
    Excel session or ``jpflows status`` still shows what is stored and how old it is.
    """
    eng = _api().engine()
    now = datetime.now(timezone.utc)
    rows = []
    for source_id in REGISTRY.ids():
        name = _source_name(source_id)
        records = [r for r in eng.fetcher.records.values() if r.source == name]
        records = records or _cached_records(eng, source_id, name)
        fetched = [r.fetched_at for r in records if r.fetched_at is not None]
        oldest = min(fetched, default=None)
        rows.append({
            "source": name, "last_fetch": _stamp(oldest) if oldest else None,
            "age_hours": round(_age(now, oldest), 1) if oldest else None,
            "state": _state(records, eng.errors.get(source_id)),
            "detail": eng.errors.get(source_id) or next((r.error for r in records if r.error), ""),
            "cache": eng.config.cache_label,
        })
    return rows


class _Probe(Exception):
    """Stops a download at its first request: only the URL is wanted."""


def _first_url(source_id: str, key: str) -> str | None:
    asked: list[str] = []

    def get(url, **_):
        asked.append(url)
        raise _Probe

    try:
        REGISTRY[source_id].download(key, get)
    except _Probe:
        pass
    except Exception:  # a key the source refuses has no copy to report
        return None
    return asked[0] if asked else None


def _cached_records(eng, source_id: str, name: str) -> list:
    """Records for the headline files of a source, read from the cache without downloading."""
    from addin.http import FetchRecord

    records = []
    for probe_source, key in default_keys(eng.clock().year):
        url = _first_url(probe_source, key) if probe_source == source_id else None
        cached = eng.fetcher.cached(url) if url else None
        if cached is not None:
            records.append(FetchRecord(url, name, cached.created_at, cached.is_expired,
                                       "expired copy; Refresh to update" if cached.is_expired else None))
    return records


def _source_name(source_id: str) -> str:
    try:
        return REGISTRY[source_id].NAME
    except ImportError:
        return source_id


def _age(now: datetime, then: datetime) -> float:
    then = then if then.tzinfo else then.replace(tzinfo=timezone.utc)
    return (now - then).total_seconds() / 3600


def _state(records, error: str | None) -> str:
    if not records:
        return "error" if error else "not loaded"
    if any(r.fetched_at is None for r in records):
        return "error"
    return "stale" if any(r.stale for r in records) or error else "OK"


def refresh(progress=None) -> dict[str, str]:
    """Revalidate every source loaded so far (or the headline set) with its publisher."""
    eng = _api().engine()
    keys = eng.loaded_keys() or default_keys(eng.clock().year)
    outcome = eng.refresh(keys, progress)
    return {f"{REGISTRY[s].NAME} {k}".strip(): result for (s, k), result in outcome.items()}


def default_keys(year: int) -> list[tuple[str, str]]:
    """The files behind the headline monitor, for a refresh before anything was asked."""
    return [("mof_jgb", ""), ("treasury", str(year)), ("fred", "SOFR"), ("fred", "DEXJPUS"),
            ("fred", "DGS5"), ("boj", "FM01:STRDCLUCON"), ("mof_weekly", ""),
            ("mof_bop", "6pi-1"), ("jpx", ""), ("stooq", "^tpx"), ("stooq", "^nkx")]


__all__ = ["info", "status", "refresh", "default_keys", "AddinError"]
