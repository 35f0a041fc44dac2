"""The rest of the publishers, so the benchmarks can load ten years of every source.

:mod:`bench.data` has FRED, the MOF JGB history, the Treasury years and MOF's weekly flows;
this adds Stooq (TOPIX, Nikkei 225), the BOJ API's TONA, MOF's balance-of-payments tables and
JPX's weekly files (:mod:`bench.jpx_site`). Real files are used where ``shared/realdata`` has
them in the publisher's layout (or real values that can be written in it), the rest generated.
"""

from __future__ import annotations

import pandas as pd

from bench import data, jpx_site
from tests.fixtures import boj as boj_fixture
from tests.fixtures import mof_bop as bop_fixture
from tests.fixtures import stooq as stooq_fixture
from addin.sources import boj, mof_bop, stooq

FIRST_DAY = "2016-06-01"  # ten years before the generated files end
NIKKEI_REAL = "equity_index/stooq/stooq_nkx_d_2021-05-06_2026-04-30.csv"
TOPIX_CLOSES = "equity_index/derived/topix_jpx_official_closes.csv"
TONA_VALUES = "boj/derived/boj_call_rate_FM01_STRDCLUCON_daily.csv"
TONA_URL = boj.api_url("FM01", "STRDCLUCON")


def _closes(relative: str) -> pd.Series | None:
    path = data.real_file(relative)
    if path is None:
        return None
    table = pd.read_csv(path, parse_dates=["date"], index_col="date")
    return table["value"].loc[FIRST_DAY:]


def stooq_file(first: float, seed: int, closes: pd.Series | None = None) -> bytes:
    """A Stooq daily CSV: real closes (open = high = low = close) or a seeded walk."""
    if closes is None:
        dates = pd.bdate_range(FIRST_DAY, data.LAST_DAY)
        closes = pd.Series(data.random_walk(len(dates), first, first * 0.01, seed), index=dates)
    rows = [(f"{day:%Y-%m-%d}", *([f"{value:.2f}"] * 4), "1000000")
            for day, value in closes.items()]
    return stooq_fixture.daily_csv(rows)


def tona_page(values: pd.Series | None) -> bytes:
    """One ``getDataCode`` CSV page holding the whole TONA history asked for."""
    if values is None:
        dates = pd.bdate_range(FIRST_DAY, data.LAST_DAY)
        values = pd.Series(data.random_walk(len(dates), 0.1, 0.005, 11), index=dates)
    rows = [(f"{day:%Y%m%d}", f"{value:.3f}") for day, value in values.items()]
    return boj_fixture.api_csv(rows)


def bop_files(use_real: bool) -> tuple[dict[str, bytes], str]:
    """MOF's two portfolio tables: the real ones, or the fixtures' small ones."""
    real = {key: data.real_file(f"mof_bop_portfolio_monthly/{key}.csv") if use_real else None
            for key in mof_bop.URLS}
    if all(real.values()):
        return {mof_bop.URLS[key]: path.read_bytes() for key, path in real.items()}, "real"
    return {mof_bop.URLS["6pi-1"]: bop_fixture.summary_csv(),
            mof_bop.URLS["6pi-2"]: bop_fixture.investor_csv()}, "generated (fixture months)"


def every_source(use_real: bool = True, jpx_years: int = 10) -> data.Dataset:
    """Every file of every publisher at its URL, ten years deep (JPX: ``jpx_years``)."""
    found = data.publisher_files(use_real)
    nikkei = data.real_file(NIKKEI_REAL) if use_real else None
    found.bodies[stooq.NIKKEI225_URL] = nikkei.read_bytes() if nikkei else stooq_file(16_000, 3)
    found.origin["Stooq ^nkx"] = "real (2021-2026)" if nikkei else "generated"
    topix = _closes(TOPIX_CLOSES) if use_real else None
    found.bodies[stooq.TOPIX_URL] = stooq_file(1_300, 4, topix)
    found.origin["Stooq ^tpx"] = "real closes" if topix is not None else "generated"
    tona = _closes(TONA_VALUES) if use_real else None
    found.bodies[TONA_URL] = tona_page(tona)
    found.origin["BOJ TONA"] = "real values" if tona is not None else "generated"
    bop, origin = bop_files(use_real)
    found.bodies.update(bop)
    found.origin["MOF 6pi-1/6pi-2"] = origin
    found.bodies.update(jpx_site.site(jpx_years))
    found.origin["JPX weekly files"] = f"generated, {jpx_years} years"
    return found


def every_key() -> list[tuple[str, str]]:
    """The (source, key) of every file set the dataset holds."""
    keys = [("fred", series_id) for series_id in data.FRED_SERIES]
    keys += [("treasury", str(year)) for year in data.TREASURY_YEARS]
    keys += [("mof_jgb", ""), ("mof_weekly", ""), ("boj", "FM01:STRDCLUCON"), ("jpx", ""),
             ("stooq", "^tpx"), ("stooq", "^nkx")]
    return keys + [("mof_bop", key) for key in mof_bop.URLS]

