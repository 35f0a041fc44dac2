"""Every id a user can type, read from the sources' declarations.

The catalogue holds no publisher knowledge of its own: each source in :data:`REGISTRY` declares the
series and flows it provides, and the raw ids it resolves on demand (``FRED:<id>``,
``BOJ:<db>:<code>``, ``JPX:<any investor>``...). ``JPFLOWS_CSV_<NAME>`` adds ``CSV:<NAME>``, and
when ``<NAME>`` is a catalogue id the user's file replaces that id's origins.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Mapping

from addin.errors import UnknownSeries
from addin.sources import REGISTRY, user_csv
from addin.sources.base import FlowSpec, SeriesSpec


@lru_cache(maxsize=1)
def declared() -> tuple[dict[str, SeriesSpec], dict[str, FlowSpec]]:
    """Series and flows declared by every source, by upper-case id; an id declared twice fails."""
    series: dict[str, SeriesSpec] = {}
    flows: dict[str, FlowSpec] = {}
    for source in REGISTRY.sources():
        for table, specs in ((series, source.series), (flows, source.flows)):
            for spec in specs:
                if spec.id.upper() in table:
                    raise ValueError(f"{spec.id} is declared twice (again by {source.id})")
                table[spec.id.upper()] = spec
    return series, flows


class Catalogue:
    """The ids one engine answers: the declared ones plus the user's CSV files."""

    def __init__(self, csv_files: Mapping[str, str] | None = None) -> None:
        self.csv_files = dict(csv_files or {})
        self.series, self.flows = declared()

    def series_spec(self, series_id: str) -> SeriesSpec:
        """Resolve a series id (case-insensitive), honouring ``JPFLOWS_CSV_<ID>`` overrides."""
        key = series_id.strip().upper()
        if key in self.csv_files:
            return user_csv.series_for(key, self.csv_files[key], self.series.get(key))
        if key in self.series:
            return self.series[key]
        prefix, _, rest = key.partition(":")
        if prefix == "CSV" and rest in self.csv_files:
            return user_csv.series_for(key, self.csv_files[rest], None)
        for source in REGISTRY.sources():
            if source.raw_prefix == prefix and (found := source.raw_series(rest)) is not None:
                return found
        raise UnknownSeries(unknown(series_id, csv_hint=prefix == "CSV"))

    def flow_spec(self, flow_id: str) -> FlowSpec:
        """Resolve a flow id (case-insensitive); raw ids are checked when their file loads."""
        key = flow_id.strip().upper()
        if key in self.flows:
            return self.flows[key]
        for source in REGISTRY.sources():
            if source.raw_flows is not None and (found := source.raw_flows(flow_id)) is not None:
                return found
        raise UnknownSeries(unknown(flow_id))

    def search(self, text: str, found_flows: tuple[FlowSpec, ...] = ()) -> list[tuple[str, str, str]]:
        """(id, kind, description) of every series and flow matching all words of ``text``.

        ``found_flows`` adds flows discovered in files already loaded (JPX categories, BoP types).
        """
        words = text.lower().split()
        rows = [(s.id, "series", f"{s.description} [{s.unit}]") for s in self.series.values()]
        flows = {f.id.upper(): f for f in (*self.flows.values(), *found_flows)}
        rows += [(f.id, "flow", f"{f.description} [JPY bn]") for f in flows.values()]
        return [row for row in rows if all(w in f"{row[0]} {row[2]}".lower() for w in words)]


def discovered_flows(source_id: str, key: str, investors) -> tuple[FlowSpec, ...]:
    """Flow specs for the investor names a loaded file actually carries."""
    source = REGISTRY[source_id]
    return source.discovered(key, investors) if source.discovered else ()


def unknown(text: str, csv_hint: bool = False) -> str:
    """The message for an id nobody declares, with a search to try."""
    shown = text.strip()[:24]
    if csv_hint:
        return f'Unknown series "{shown}"; set JPFLOWS_CSV_<NAME> first'
    stem = re.sub(r"[^A-Za-z]+.*$", "", shown)[:6] or shown[:6]
    return f'Unknown series "{shown}"; try JP_SEARCH("{stem}")'
