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


_ymd = dates.ymd


def _flows(investor: str, as_of: pd.Timestamp) -> list[Line]:
    end, latest = api.flow(investor, as_of)
    ytd = api.flow_sum(investor, pd.Timestamp(as_of.year, 1, 1), as_of)
    rank, windows = api.flow_rank(investor, as_of)
    return [Line(f"{investor} latest period (to {_ymd(end)})", latest, "JPY bn"),
            Line(f"{investor} year to date", ytd, "JPY bn"),
            Line(f"{investor} 1-year sum, rank in 10 years (1 = largest)", f"{rank} of {windows}")]


def _rally(series_id: str, as_of: pd.Timestamp) -> list[Line]:
    start = as_of - pd.Timedelta(days=365)
    low_date, low_value = api.low(series_id, start, as_of)
    level_date, level = api.observation(series_id, as_of)
    return [Line(f"{series_id} on {_ymd(level_date)}", level, "pts"),
            Line(f"{series_id} 1-year low ({_ymd(low_date)})", low_value, "pts"),
            Line(f"{series_id} rally from that low", api.rally(series_id, start, as_of, as_of),
                 "ratio")]


def _jgb30(as_of: pd.Timestamp) -> list[Line]:
    when, level = api.observation("JGB30Y", as_of)
    high_date, high = api.high("JGB30Y", None, as_of)
    return [Line(f"JGB30Y on {_ymd(when)}", level, "%"),
            Line(f"JGB30Y record high ({_ymd(high_date)})", high, "%"),
            Line("JGB30Y at a record", api.is_record("JGB30Y", as_of))]


def _usdjpy(as_of: pd.Timestamp) -> list[Line]:
    start = as_of - pd.DateOffset(years=2)
    (low_date, low), (high_date, high) = api.low("USDJPY", start, as_of), api.high("USDJPY", start, as_of)
    return [Line("USDJPY latest", api.observation("USDJPY", as_of)[1], "JPY"),
            Line(f"USDJPY 2-year low ({_ymd(low_date)})", low, "JPY"),
            Line(f"USDJPY 2-year high ({_ymd(high_date)})", high, "JPY")]


def _hedged(as_of: pd.Timestamp) -> list[Line]:
    legs = api.hedged_legs("JGB5Y", "UST5Y", as_of)
    ust, jgb = api.observation("UST5Y", as_of), api.observation("JGB5Y", as_of)
    return [Line(f"UST5Y ({_ymd(ust[0])})", ust[1], "%"),
            Line(f"JGB5Y ({_ymd(jgb[0])})", jgb[1], "%"),
            Line("JGB5Y hedged into USD (3M rolled, SOFR/TONA)", legs.hedged, "%"),
            Line("Hedged JGB5Y minus UST5Y", legs.spread, "pp")]


SECTIONS: list[tuple[str, Callable[[pd.Timestamp], list[Line]], tuple[str, ...]]] = [
    ("Foreign investors in Japanese stocks (JPX weekly)", lambda d: _flows("JPX:Foreigners", d), ("JPX",)),
    ("Japanese individuals (JPX weekly)", lambda d: _flows("JPX:Individuals", d), ("JPX",)),
    ("Non-residents' Japanese equity purchases (MOF weekly)",
     lambda d: _flows("MOF:Foreign:Equity", d), ("MOF",)),
    ("Non-residents' Japanese equity purchases (MOF balance of payments, monthly)",
     lambda d: _flows("BOP:Foreign:Equity", d), ("MOF",)),
    ("TOPIX rally from its low", lambda d: _rally("TOPIX", d), ("Stooq or JPFLOWS_CSV_TOPIX",)),
    ("Nikkei 225 rally from its low", lambda d: _rally("NIKKEI225", d), ("Stooq", "FRED")),
    ("30-year JGB record check", _jgb30, ("MOF",)),
    ("Yen range over two years", _usdjpy, ("FRED",)),
    ("UST 5Y vs USD-hedged JGB 5Y", _hedged, ("Treasury", "MOF", "FRED", "BOJ")),
]


def build(as_of, on_section: Callable[[int, int, str], None] | None = None) -> list[Section]:
    """Compute every section for ``as_of``; a failing section records why instead of raising."""
    as_of = api.to_timestamp(as_of)
    sections = []
    for i, (title, compute, sources) in enumerate(SECTIONS):
        if on_section:
            on_section(i, len(SECTIONS), title)
        try:
            sections.append(Section(title, compute(as_of), sources=sources))
        except AddinError as exc:
            sections.append(Section(title, error=str(exc), sources=sources))
    return sections
