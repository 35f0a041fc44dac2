"""Publisher files of realistic size, in the publishers' layouts, for the benchmarks.

Real files from ``shared/realdata`` are used where they exist (read in place, never copied into
the project); everything else is generated here with a seeded random walk, so a run without
them measures the same amount of work.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

import bench  # noqa: F401  (puts the project root on sys.path for tests.fixtures)
from tests.fixtures import mof_jgb as jgb_fixture
from tests.fixtures import mof_weekly as weekly_fixture
from tests.fixtures import treasury as treasury_fixture

FRED = "https://fred.stlouisfed.org/graph/fredgraph.csv?id={}"
JGB_HISTORY = ("https://www.mof.go.jp/english/policy/jgbs/reference/interest_rate/historical/"
               "jgbcme_all.csv")
JGB_CURRENT = "https://www.mof.go.jp/english/policy/jgbs/reference/interest_rate/jgbcme.csv"
TREASURY = ("https://home.treasury.gov/resource-center/data-chart-center/interest-rates/"
            "daily-treasury-rates.csv/all/{0}?type=daily_treasury_yield_curve"
            "&field_tdr_date_value={0}&page&_format=csv")
MOF_WEEK = ("https://www.mof.go.jp/policy/international_policy/reference/"
            "itn_transactions_in_securities/week.csv")
REALDATA = Path(__file__).resolve().parents[2] / "shared" / "realdata"

# FRED id -> (first day, starting level, daily step): the shape of the real histories.
FRED_SERIES = {
    "DGS1": ("1962-01-02", 3.2, 0.03), "DGS2": ("1976-06-01", 7.0, 0.03),
    "DGS5": ("1962-01-02", 3.9, 0.03), "DGS10": ("1962-01-02", 4.1, 0.03),
    "DGS30": ("1977-02-15", 7.8, 0.03), "SOFR": ("2018-04-03", 1.8, 0.02),
    "DEXJPUS": ("1971-01-04", 358.0, 0.6),
}
LAST_DAY = "2026-06-30"
# First day each JGB tenor was quoted (MOF's history; earlier rows hold "-").
JGB_STARTS = {10: "1986-07-05", 15: "1991-08-30", 20: "1986-12-01", 25: "2004-03-22",
              30: "1999-09-02", 40: "2007-11-06"}
TREASURY_YEARS = tuple(range(2016, 2027))  # ten years and the current one


@dataclass
class Dataset:
    """What the local server answers (real URL -> bytes) and the extra environment."""

    bodies: dict[str, bytes] = field(default_factory=dict)
    environ: dict[str, str] = field(default_factory=dict)
    origin: dict[str, str] = field(default_factory=dict)  # label -> "real" or "generated"


def random_walk(count: int, level: float, step: float, seed: int) -> np.ndarray:
    """A seeded walk that stays positive enough to look like a yield or a price."""
    rng = np.random.default_rng(seed)
    return np.abs(level + np.cumsum(rng.normal(0.0, step, count)))


def iso_days(dates: pd.DatetimeIndex) -> np.ndarray:
    return np.datetime_as_string(dates.values.astype("datetime64[D]"), unit="D")


def fred_file(series_id: str, dates: pd.DatetimeIndex, level: float, step: float,
              seed: int = 1) -> bytes:
    """A ``fredgraph.csv`` body (current layout); every 40th day is a blank holiday."""
    values = np.char.mod("%.2f", random_walk(len(dates), level, step, seed)).astype(object)
    values[::40] = ""
    lines = map(",".join, zip(iso_days(dates), values))
    return ("observation_date," + series_id + "\n" + "\n".join(lines) + "\n").encode("ascii")


def fred_generated(series_id: str) -> bytes:
    first, level, step = FRED_SERIES[series_id]
    return fred_file(series_id, pd.bdate_range(first, LAST_DAY), level, step,
                     seed=sum(map(ord, series_id)))


def jgb_history(first: str = "1974-09-24", last: str = LAST_DAY) -> bytes:
    """``jgbcme_all.csv`` (or the month's ``jgbcme.csv``): business days, 15 tenors, ``-``
    before a tenor was first quoted."""
    dates = pd.bdate_range(first, last)
    labels = [f"{d.year}/{d.month}/{d.day}" for d in dates]
    columns = []
    for i, tenor in enumerate(jgb_fixture.TENORS):
        cells = np.char.mod("%.3f", random_walk(len(dates), 7.0 + 0.05 * i, 0.02, 100 + i))
        cells = cells.astype(object)
        cells[dates < pd.Timestamp(JGB_STARTS.get(tenor, first))] = "-"
        columns.append(cells)
    rows = [",".join(row) for row in zip(labels, *columns)]
    return jgb_fixture.english_file(rows)


def treasury_year(year: int) -> bytes:
    """One year of the par curve in the 2025 layout, newest day first."""
    dates = pd.bdate_range(f"{year}-01-02", f"{year}-12-31")[::-1]
    tenors = len(treasury_fixture.HEADER_2025) - 1
    walks = [np.char.mod("%.2f", random_walk(len(dates), 3.5 + 0.05 * i, 0.02, year + i))
             for i in range(tenors)]
    rows = [",".join(row) for row in zip(dates.strftime("%m/%d/%Y"), *walks)]
    return treasury_fixture.csv_file(treasury_fixture.HEADER_2025, rows)


def week_label(start: pd.Timestamp) -> str:
    """MOF's period label, e.g. ``2025．9．28～10．4``; the end year only across New Year."""
    end = start + pd.Timedelta(days=6)
    head = f"{start.year}．{start.month}．{start.day}～"
    return head + (f"{end.year}．" if end.year != start.year else "") + f"{end.month}．{end.day}"


def side_figures(rng: np.random.Generator) -> list[int]:
    """One side's 11 fields in 100 million yen, nets and totals adding up as MOF's do."""
    figures = []
    for scale in (30_000, 60_000, 5_000):
        bought, sold = (int(x) for x in rng.integers(scale // 2, scale, 2))
        figures += [bought, sold, bought - sold]
    subtotal = figures[2] + figures[5]
    total = subtotal + figures[8]
    return figures[:6] + [subtotal] + figures[6:] + [total]


def mof_week(first: str = "2005-01-02", last: str = LAST_DAY) -> bytes:
    """``week.csv`` with every Sunday-to-Saturday week from ``first`` (a Sunday) to ``last``."""
    rng = np.random.default_rng(2005)
    weeks = [(week_label(start), tuple(side_figures(rng) + side_figures(rng)))
             for start in pd.date_range(first, last, freq="W-SUN")]
    return weekly_fixture.week_csv(weeks)


def real_file(relative: str) -> Path | None:
    """A file of ``shared/realdata``, or ``None`` when it is not there."""
    path = REALDATA / relative
    return path if path.is_file() else None


def publisher_files(use_real: bool = True) -> Dataset:
    """Every file the mixed benchmark reads, at its publisher's URL."""
    data = Dataset()
    for series_id in FRED_SERIES:
        real = real_file(f"fred/{series_id}.csv") if use_real else None
        body = real.read_bytes() if real else fred_generated(series_id)
        data.bodies[FRED.format(series_id)] = body
        data.origin[f"FRED {series_id}"] = "real" if real else "generated"
    real = real_file("mof_jgb/jgbcme_all.csv") if use_real else None
    data.bodies[JGB_HISTORY] = real.read_bytes() if real else jgb_history()
    data.origin["MOF jgbcme_all.csv"] = "real" if real else "generated"
    data.bodies[JGB_CURRENT] = jgb_history("2026-07-01", "2026-07-03")  # the current month
    for year in TREASURY_YEARS:
        real = real_file(f"treasury/daily-treasury-rates_{year}.csv") if use_real else None
        data.bodies[TREASURY.format(year)] = real.read_bytes() if real else treasury_year(year)
        data.origin[f"Treasury {year}"] = "real" if real else "generated"
    data.bodies[MOF_WEEK] = mof_week()
    data.origin["MOF week.csv"] = "generated"
    return data
