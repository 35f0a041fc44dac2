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
from tests.fixtures import nikkei as nikkei_fixture
from tests.fixtures import stooq as stooq_fixture
from addin.sources import boj, mof_bop, mof_bop_page, nikkei, stooq

FIRST_DAY = "2016-06-01"  # ten years before the generated files end
NIKKEI_REAL = "equity_index/stooq/stooq_nkx_d_2021-05-06_2026-04-30.csv"
TOPIX_CLOSES = "equity_index/derived/topix_jpx_official_closes.csv"
TONA_VALUES = "boj/derived/boj_call_rate_FM01_STRDCLUCON_daily.csv"
TONA_URL = boj.api_url("FM01", "STRDCLUCON")
USDJPY_URL = boj.api_url("FM08", "FXERD04")
NIKKEI_CLOSES = "equity_index/derived/nikkei225_closes.csv"
STOOQ_KEY = "bench-key"  # Stooq wants a key; the local server answers the URL that carries it
ENVIRON = {"JPFLOWS_STOOQ_KEY": STOOQ_KEY}


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


def _walk(values: pd.Series | None, level: float, step: float, seed: int) -> pd.Series:
    if values is not None:
        return values
    dates = pd.bdate_range(FIRST_DAY, data.LAST_DAY)
    return pd.Series(data.random_walk(len(dates), level, step, seed), index=dates)


def boj_page(values: pd.Series, **series) -> bytes:
    """One ``getDataCode`` CSV page holding a whole daily history."""
    rows = [(f"{day:%Y%m%d}", f"{value:.3f}") for day, value in values.items()]
    return boj_fixture.api_csv(rows, **series)


def nikkei_file(closes: pd.Series) -> bytes:
    """Nikkei's daily file: the last ~three years it keeps, open = high = low = close."""
    recent = closes.loc[closes.index[-1] - pd.Timedelta(days=nikkei.HISTORY_DAYS):]
    return nikkei_fixture.daily_csv([(f"{day:%Y/%m/%d}", *([f"{value:.2f}"] * 4))
                                     for day, value in recent.items()])


def bop_page() -> bytes:
    """MOF's balance-of-payments data page, linking the two portfolio tables."""
    links = "".join(f'<a href="bpport/{key}.csv">{key}</a>' for key in mof_bop.URLS)
    return f"<html><body>{links}</body></html>".encode("ascii")


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
    found.environ.update(ENVIRON)
    real = _closes if use_real else (lambda relative: None)
    _equities(found, use_real, real)
    tona, usdjpy = real(TONA_VALUES), _real_fred(use_real, "DEXJPUS")
    found.bodies[TONA_URL] = boj_page(_walk(tona, 0.1, 0.005, 11))
    found.bodies[USDJPY_URL] = boj_page(_walk(usdjpy, 140.0, 0.5, 12), db="FM08", code="FXERD04",
                                        name=boj_fixture.USDJPY_NAME, unit="yen per US dollar")
    found.origin["BOJ TONA, USDJPY"] = "real values" if tona is not None else "generated"
    bop, origin = bop_files(use_real)
    found.bodies.update({**bop, mof_bop_page.PAGE_URL: bop_page()})
    found.origin["MOF 6pi-1/6pi-2"] = origin
    found.bodies.update(jpx_site.site(jpx_years))
    found.origin["JPX weekly files"] = f"generated, {jpx_years} years"
    return found


def _equities(found: data.Dataset, use_real: bool, real) -> None:
    """TOPIX and Nikkei 225 from Stooq (with its key), and Nikkei's own recent file."""
    nikkei_real = data.real_file(NIKKEI_REAL) if use_real else None
    stooq_nkx = nikkei_real.read_bytes() if nikkei_real else stooq_file(16_000, 3)
    found.bodies[_keyed(stooq.NIKKEI225_URL)] = stooq_nkx
    topix = real(TOPIX_CLOSES)
    found.bodies[_keyed(stooq.TOPIX_URL)] = stooq_file(1_300, 4, topix)
    found.bodies[nikkei.URL] = nikkei_file(_walk(real(NIKKEI_CLOSES), 16_000, 160.0, 3))
    found.origin["Stooq ^nkx"] = "real (2021-2026)" if nikkei_real else "generated"
    found.origin["Stooq ^tpx"] = "real closes" if topix is not None else "generated"


def _keyed(url: str) -> str:
    return f"{url}&apikey={STOOQ_KEY}"


def _real_fred(use_real: bool, series_id: str) -> pd.Series | None:
    path = data.real_file(f"fred/{series_id}.csv") if use_real else None
    if path is None:
        return None
    table = pd.read_csv(path, na_values=["", "."], parse_dates=[0], index_col=0)
    return table.iloc[:, 0].dropna().loc[FIRST_DAY:]


def every_key() -> list[tuple[str, str]]:
    """The (source, key) of every file set the dataset holds."""
    keys = [("fred", series_id) for series_id in data.FRED_SERIES]
    keys += [("treasury", str(year)) for year in data.TREASURY_YEARS]
    keys += [("mof_jgb", ""), ("mof_weekly", ""), ("boj", "FM01:STRDCLUCON"),
             ("boj", "FM08:FXERD04"), ("jpx", ""), ("stooq", "^tpx"), ("stooq", "^nkx"),
             ("nikkei", "")]
    return keys + [("mof_bop", key) for key in mof_bop.URLS]

