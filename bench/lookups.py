"""Warm lookups: one scalar at a time, a sheet's mix of formulas, and history length."""

from __future__ import annotations

import statistics
from bisect import bisect_right
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import Callable

import numpy as np
import pandas as pd

import udfs
from addin import api, dates
from bench import data, naive
from bench.harness import median_ns
from bench.report import Figure

AS_OF = datetime(2025, 8, 26)
FLOW_DAY = datetime(2025, 8, 22)
SCALAR_TARGET_RATIO = 8.0
SCALE_ROWS = (100, 1_000, 10_000, 100_000)
SCALE_TARGET_RATIO = 2.0


@dataclass
class Lookup:
    """A warm Excel call, the naive per-call file read it replaces, and the column it reads."""

    label: str
    call: Callable[[], object]
    naive: Callable[[], float]
    column: Callable[[], object]  # the engine column whose day numbers the bisect baseline reads
    day: int


def files_on_disk(bodies: dict[str, bytes], folder: Path) -> dict[str, Path]:
    """Write the files the naive baseline reads (in a temporary folder, never the project)."""
    folder.mkdir(parents=True, exist_ok=True)
    wanted = {"SOFR": data.FRED.format("SOFR"), "JGB": data.JGB_HISTORY,
              "TREASURY": data.TREASURY.format(AS_OF.year), "WEEK": data.MOF_WEEK}
    paths = {}
    for name, url in wanted.items():
        paths[name] = folder / f"{name.lower()}.csv"
        paths[name].write_bytes(bodies[url])
    return paths


def scalar_lookups(paths: dict[str, Path]) -> list[Lookup]:
    day, flow_day = dates.day_number(AS_OF), dates.day_number(FLOW_DAY)
    return [
        Lookup("JP_VALUE(UST5Y)", partial(udfs.JP_VALUE, "UST5Y", AS_OF),
               partial(naive.treasury_value, paths["TREASURY"], AS_OF),
               partial(api.column, "UST5Y", AS_OF, AS_OF), day),
        Lookup("JP_VALUE(JGB10Y)", partial(udfs.JP_VALUE, "JGB10Y", AS_OF),
               partial(naive.jgb_value, paths["JGB"], AS_OF), partial(api.column, "JGB10Y"), day),
        Lookup("JP_VALUE(SOFR)", partial(udfs.JP_VALUE, "SOFR", AS_OF),
               partial(naive.fred_value, paths["SOFR"], AS_OF), partial(api.column, "SOFR"), day),
        Lookup("JP_FLOW(MOF:Foreign:Equity)", partial(udfs.JP_FLOW, "MOF:Foreign:Equity", FLOW_DAY),
               partial(naive.mof_flow, paths["WEEK"], FLOW_DAY),
               lambda: api.engine().column("mof_weekly", "", ("All", "Foreign:Equity", "net"),
                                           True), flow_day),
    ]


def answered(result) -> bool:
    """A number (or TRUE/FALSE, or a table), not an ``#N/A`` text."""
    return not (isinstance(result, str) and result.startswith("#N/A"))


def bisect_ns(lookup: Lookup, repeats: int) -> float:
    """The baseline: a bare ``bisect`` of the day over the column's Python list of day numbers."""
    days = lookup.column().days
    return median_ns(partial(bisect_right, days, lookup.day), repeats)


def naive_us(lookup: Lookup, repeats: int) -> float:
    """Median µs of the naive per-call read the engine replaces."""
    return median_ns(lookup.naive, repeats) / 1e3


def warm_scalar(lookup: Lookup, repeats: int, slow: float) -> Figure:
    """Median of one warm call against a bare bisect, interleaved; the naive read (``slow`` µs)
    in the note."""
    first = lookup.call()  # fills the memo: what follows is warm
    fast, bare = [], []
    for _ in range(5):  # interleaved, so a busy moment on the machine hits both alike
        fast.append(median_ns(lookup.call, repeats // 5))
        bare.append(bisect_ns(lookup, repeats // 5))
    fast_us, bare_us = statistics.median(fast) / 1e3, statistics.median(bare) / 1e3
    wrong = _mismatch(lookup, first)
    note = wrong or f"naive read_csv per call {slow:,.0f} µs ({slow / fast_us:,.0f}× slower)"
    return Figure(f"warm lookup {lookup.label}", fast_us, "µs", bare_us,
                  "bare bisect over a Python list", fast_us / bare_us, "× of baseline",
                  f"≤ {SCALAR_TARGET_RATIO:g}× of baseline",
                  fast_us <= SCALAR_TARGET_RATIO * bare_us and not wrong, note)


def _mismatch(lookup: Lookup, first) -> str:
    if not answered(first):
        return f"answered {first!r}"
    expected = lookup.naive()
    return f"answered {first}, the file says {expected}" if abs(float(first) - expected) > 1e-9 \
        else ""


def unremembered(lookup: Lookup, repeats: int) -> Figure:
    """The same lookup computed afresh each call (nothing remembered): the lean path itself."""
    answers = api.engine().answers
    lookup.call()

    def afresh():
        answers.forget()
        return lookup.call()

    value = median_ns(afresh, repeats) / 1e3
    bare = bisect_ns(lookup, repeats) / 1e3
    return Figure(f"lookup computed afresh {lookup.label}", value, "µs", bare,
                  "bare bisect over a Python list", value / bare, "× of baseline",
                  "information", None, "every remembered answer dropped before each call")


def sheet_formulas() -> list[tuple[Callable, tuple]]:
    """The calls a monitoring sheet makes, with the argument types Excel passes."""
    day, serial = AS_OF, 45895.0  # 45895 is 2025-08-26 as an Excel serial
    return [
        (udfs.JP_VALUE, ("JGB10Y", day)), (udfs.JP_VALUE, ("UST5Y", day)),
        (udfs.JP_VALUE, ("SOFR", "2025-08-26")), (udfs.JP_VALUE, ("USDJPY", day)),
        (udfs.JP_VALUE, ("TONA", day)), (udfs.JP_VALUE, ("JGB30Y", serial)),
        (udfs.JP_VALUE, ("UST10Y", day)), (udfs.JP_VALUE, ("JGB2Y", datetime(2025, 8, 1))),
        (udfs.JP_FLOW, ("MOF:Foreign:Equity", FLOW_DAY)),
        (udfs.JP_FLOW, ("MOF:Resident:LongTermDebt", FLOW_DAY, "buy")),
        (udfs.JP_SPREAD, ("JGB30Y", "JGB2Y", day)), (udfs.JP_SPREAD, ("UST10Y", "JGB10Y", day)),
        (udfs.JP_HEDGED_SPREAD, ("JGB5Y", "UST5Y", day)),
        (udfs.JP_HEDGED_SPREAD, ("UST10Y", "JGB10Y", day)),
        (udfs.JP_HEDGE_COST, ("JPY", day)),
        (udfs.JP_RALLY, ("USDJPY", "2025-04-01", "2025-04-30", day)),
        (udfs.JP_CHANGE, ("JGB10Y", "2025-01-06", day)),
        (udfs.JP_LOW, ("USDJPY", "2024-01-01", day)), (udfs.JP_HIGH, ("USDJPY", "2024-01-01", day)),
        (udfs.JP_DRAWDOWN, ("JGB10Y", "2025-01-06", day)),
        (udfs.JP_IS_RECORD, ("JGB30Y", day, "1999-09-02")),
        (udfs.JP_FLOW_SUM, ("MOF:Foreign:Equity", "2025-01-01", day)),
        (udfs.JP_FLOW_RANK, ("MOF:Foreign:Equity", day)),
    ]


def scale_id(rows: int) -> str:
    return f"SCALE{rows}"


def scale_bodies() -> dict[str, bytes]:
    """FRED files of 100 to 100,000 calendar days ending on the same day."""
    bodies = {}
    for rows in SCALE_ROWS:
        dates = pd.date_range(end=data.LAST_DAY, periods=rows, freq="D")
        bodies[data.FRED.format(scale_id(rows))] = data.fred_file(scale_id(rows), dates, 3.0, 0.02)
    return bodies


def scale_lookups(rows: int, repeats: int) -> float:
    """Median µs of point lookups at dates spread over the whole series."""
    series = f"FRED:{scale_id(rows)}"
    first = pd.Timestamp(data.LAST_DAY) - pd.Timedelta(days=rows - 1)
    rng = np.random.default_rng(rows)
    days = [(first + pd.Timedelta(days=int(d))).to_pydatetime()
            for d in rng.integers(0, rows, 64)]
    for day in days:  # loads the series, and every date argument is warm, as in a sheet
        udfs.JP_VALUE(series, day)
    cycle = iter(days * (repeats // len(days) + 1))
    answers = api.engine().answers

    def lookup():  # computed afresh each time: the search over the history is what is timed
        answers.forget()
        return udfs.JP_VALUE(series, next(cycle))

    return median_ns(lookup, repeats) / 1e3


def scale_figures(repeats: int) -> list[Figure]:
    """One figure per history length, each against the shortest history."""
    medians = {rows: scale_lookups(rows, repeats) for rows in SCALE_ROWS}
    base = medians[SCALE_ROWS[0]]
    figures = []
    for rows, median in medians.items():
        ratio = median / base
        figures.append(Figure(f"lookup in {rows:,}-row history", median, "µs", base,
                              f"{SCALE_ROWS[0]}-row history", ratio, "× of baseline",
                              f"≤ {SCALE_TARGET_RATIO:g}× of baseline",
                              ratio <= SCALE_TARGET_RATIO))
    return figures
