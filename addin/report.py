"""The monitor behind ``jpflows report``: headline figures, each section computed on its own.

A section that cannot be computed (source down, nothing cached) carries its own reason instead of
numbers, so one publisher being unreachable never hides the others.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import pandas as pd

from addin import api, dates
from addin.errors import AddinError


@dataclass
class Line:
    label: str
    value: float | str | bool | None
    unit: str = ""
    note: str = ""


@dataclass
class Section:
    title: str
    lines: list[Line] = field(default_factory=list)
    error: str | None = None
    sources: tuple[str, ...] = ()
    as_of: str | None = None  # the date its figures are for (period end or observation)


_ymd = dates.ymd
Figures = tuple[list[Line], pd.Timestamp]


def _flows(investor: str, as_of: pd.Timestamp | None) -> Figures:
    end, latest = api.flow(investor, as_of)  # no date: the latest period published
    day = as_of if as_of is not None else end
    ytd = api.flow_sum(investor, pd.Timestamp(day.year, 1, 1), day)
    return [Line(f"{investor} latest period (to {_ymd(end)})", latest, "JPY bn"),
            Line(f"{investor} year to date", ytd, "JPY bn"),
            Line(f"{investor} 1-year sum, rank in 10 years (1 = largest)", _rank(investor, day))
            ], end


def _rank(investor: str, day: pd.Timestamp) -> str:
    """``"3 of 470"``, or why there is no rank (a short history): the other lines still stand."""
    try:
        rank, windows = api.flow_rank(investor, day)
    except AddinError as exc:
        return f"n/a: {exc}"
    return f"{rank} of {windows}"


def _rally(series_id: str, as_of: pd.Timestamp | None) -> Figures:
    level_date, level = api.observation(series_id, as_of)
    day = as_of if as_of is not None else level_date
    start = day - pd.Timedelta(days=365)
    low_date, low_value = api.low(series_id, start, day)
    return [Line(f"{series_id} on {_ymd(level_date)}", level, "pts"),
            Line(f"{series_id} 1-year low ({_ymd(low_date)})", low_value, "pts"),
            Line(f"{series_id} rally from that low", api.rally(series_id, start, day, day),
                 "ratio")], level_date


def _jgb30(as_of: pd.Timestamp | None) -> Figures:
    when, level = api.observation("JGB30Y", as_of)
    day = as_of if as_of is not None else when
    high_date, high = api.high("JGB30Y", None, day)
    return [Line(f"JGB30Y on {_ymd(when)}", level, "%"),
            Line(f"JGB30Y record high ({_ymd(high_date)})", high, "%"),
            Line("JGB30Y at a record", api.is_record("JGB30Y", day))], when


def _usdjpy(as_of: pd.Timestamp | None) -> Figures:
    when, latest = api.observation("USDJPY", as_of)
    day = as_of if as_of is not None else when
    start = day - pd.DateOffset(years=2)
    (low_date, low), (high_date, high) = api.low("USDJPY", start, day), api.high("USDJPY", start, day)
    return [Line("USDJPY latest", latest, "JPY"),
            Line(f"USDJPY 2-year low ({_ymd(low_date)})", low, "JPY"),
            Line(f"USDJPY 2-year high ({_ymd(high_date)})", high, "JPY")], when


def _hedged(as_of: pd.Timestamp | None) -> Figures:
    legs = api.hedged_legs("JGB5Y", "UST5Y", as_of)  # no date: the latest day both have
    day = as_of if as_of is not None else legs.on
    ust, jgb = api.observation("UST5Y", day), api.observation("JGB5Y", day)
    return [Line(f"UST5Y ({_ymd(ust[0])})", ust[1], "%"),
            Line(f"JGB5Y ({_ymd(jgb[0])})", jgb[1], "%"),
            Line("JGB5Y hedged into USD (3M rolled, SOFR/TONA)", legs.hedged, "%"),
            Line("Hedged JGB5Y minus UST5Y", legs.spread, "pp")], legs.on


SECTIONS: list[tuple[str, Callable[[pd.Timestamp | None], Figures], tuple[str, ...]]] = [
    ("Foreign investors in Japanese stocks (JPX weekly)", lambda d: _flows("JPX:Foreigners", d),
     ("JPX", "J-Quants")),
    ("Japanese individuals (JPX weekly)", lambda d: _flows("JPX:Individuals", d),
     ("JPX", "J-Quants")),
    ("Non-residents' Japanese equity purchases (MOF weekly)",
     lambda d: _flows("MOF:Foreign:Equity", d), ("MOF weekly",)),
    ("Non-residents' Japanese equity purchases (MOF balance of payments, monthly)",
     lambda d: _flows("BOP:Foreign:Equity", d), ("MOF BoP portfolio",)),
    ("TOPIX rally from its low", lambda d: _rally("TOPIX", d),
     ("J-Quants", "Stooq", "JPFLOWS_CSV_TOPIX")),
    ("Nikkei 225 rally from its low", lambda d: _rally("NIKKEI225", d),
     ("Nikkei", "Stooq", "FRED")),
    ("30-year JGB record check", _jgb30, ("MOF JGB",)),
    ("Yen range over two years", _usdjpy, ("BOJ", "FRED")),
    ("UST 5Y vs USD-hedged JGB 5Y", _hedged,
     ("US Treasury", "FRED", "MOF JGB", "BOJ", "New York Fed")),
]


def build(as_of=None, on_section: Callable[[int, int, str], None] | None = None) -> list[Section]:
    """Compute every section; a failing section records why instead of raising.

    ``as_of`` is the date the monitor is for: what was published for that date. With none, each
    section shows the latest period or observation published and carries its own date.
    """
    as_of = api.to_timestamp(as_of)
    sections = []
    for i, (title, compute, sources) in enumerate(SECTIONS):
        if on_section:
            on_section(i, len(SECTIONS), title)
        try:
            lines, when = compute(as_of)
            sections.append(Section(title, lines, sources=sources, as_of=_ymd(when)))
        except AddinError as exc:
            sections.append(Section(title, error=str(exc), sources=sources))
    return sections


def credits() -> list[str]:
    """The credit lines of the sources whose files the monitor was computed from."""
    from addin.sources import REGISTRY

    used = {record.source for record in api.engine().fetcher.records.values()
            if record.fetched_at is not None}
    return list(dict.fromkeys(source.attribution for source in REGISTRY.sources()
                              if source.name in used and source.attribution))
