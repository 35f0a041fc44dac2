"""Every id a user can type, with what it means, its unit and where it comes from.

The catalogue is plain data: :data:`SERIES` and :data:`FLOWS` map an upper-case id to a spec.
Raw ids (``FRED:<id>``, ``BOJ:<db>:<code>``, ``CSV:<name>``) and JPX investor names found in the
files are resolved on demand.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from typing import Mapping

from addin.errors import UnknownSeries

FRED_URL = "https://fred.stlouisfed.org/graph/fredgraph.csv?id={}"
TREASURY_PAGE = "https://home.treasury.gov/resource-center/data-chart-center/interest-rates/"
MOF_JGB_URL = "https://www.mof.go.jp/english/policy/jgbs/reference/interest_rate/historical/jgbcme_all.csv"
BOJ_URL = "https://www.stat-search.boj.or.jp/api/v1/getDataCode?db={}&code={}"
STOOQ_URL = "https://stooq.com/q/d/l/?s={}&i=d"
MOF_WEEK_URL = ("https://www.mof.go.jp/policy/international_policy/reference/"
                "itn_transactions_in_securities/week.csv")
JPX_URL = "https://www.jpx.co.jp/markets/statistics-equities/investor-type/index.html"
MOF_BOP_URL = "https://www.mof.go.jp/policy/international_policy/reference/balance_of_payments/"

DAILY, WEEKLY, MONTHLY = "daily", "weekly", "monthly"
MAX_AGE_DAYS = {DAILY: 7, WEEKLY: 14, MONTHLY: 62}


@dataclass(frozen=True)
class Origin:
    """One place a series can be read from: a source, the key it downloads, a column of its frame."""

    source: str
    key: str
    column: str
    url: str


@dataclass(frozen=True)
class SeriesSpec:
    """A price, yield or rate series."""

    id: str
    description: str
    unit: str
    frequency: str
    origins: tuple[Origin, ...]
    currency: str | None = None
    note: str = ""

    @property
    def max_age_days(self) -> int:
        return MAX_AGE_DAYS[self.frequency]


@dataclass(frozen=True)
class FlowSpec:
    """A flow series: one investor's buying and selling in one source."""

    id: str
    description: str
    source: str
    key: str
    investor: str
    frequency: str
    url: str
    default_market: str = "All"
    markets: tuple[str, ...] = field(default=("All",))


_JGB_TENORS = (1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 15, 20, 25, 30, 40)
# Treasury column -> FRED constant-maturity id used when the Treasury site does not answer.
_UST = {"1M": "DGS1MO", "2M": "DGS2MO", "3M": "DGS3MO", "4M": "DGS4MO", "6M": "DGS6MO",
        "1Y": "DGS1", "2Y": "DGS2", "3Y": "DGS3", "5Y": "DGS5", "7Y": "DGS7", "10Y": "DGS10",
        "20Y": "DGS20", "30Y": "DGS30"}


def _fred(series_id: str) -> Origin:
    return Origin("fred", series_id, series_id, FRED_URL.format(series_id))


def _series() -> dict[str, SeriesSpec]:
    specs = [SeriesSpec(f"JGB{t}Y", f"JGB {t}-year constant-maturity yield (MOF)", "%", DAILY,
                        (Origin("mof_jgb", "", f"{t}Y", MOF_JGB_URL),), "JPY")
             for t in _JGB_TENORS]
    specs += [SeriesSpec(f"UST{tenor}", f"US Treasury {tenor} par yield (Treasury; FRED {fred})",
                         "%", DAILY, (Origin("treasury", "{year}", tenor, TREASURY_PAGE),
                                      _fred(fred)), "USD")
              for tenor, fred in _UST.items()]
    specs += [
        SeriesSpec("SOFR", "Secured Overnight Financing Rate (FRED SOFR)", "%", DAILY,
                   (_fred("SOFR"),), "USD"),
        SeriesSpec("TONA", "BOJ uncollateralized overnight call rate (TONA), FM01 STRDCLUCON",
                   "%", DAILY, (Origin("boj", "FM01:STRDCLUCON", "STRDCLUCON",
                                       BOJ_URL.format("FM01", "STRDCLUCON")),), "JPY"),
        SeriesSpec("USDJPY", "Yen per US dollar, noon New York (FRED DEXJPUS)", "JPY per USD",
                   DAILY, (_fred("DEXJPUS"),)),
        SeriesSpec("TOPIX", "TOPIX index close (Stooq ^tpx; or JPFLOWS_CSV_TOPIX)", "index points",
                   DAILY, (Origin("stooq", "^tpx", "Close", STOOQ_URL.format("^tpx")),)),
        SeriesSpec("NIKKEI225", "Nikkei 225 index close (Stooq ^nkx; FRED NIKKEI225)",
                   "index points", DAILY,
                   (Origin("stooq", "^nkx", "Close", STOOQ_URL.format("^nkx")),
                    _fred("NIKKEI225"))),
    ]
    return {spec.id: spec for spec in specs}


_MOF_ASSETS = {"Equity": "equities", "LongTermDebt": "long-term debt",
               "ShortTermDebt": "short-term debt", "Total": "securities (total)"}
_SIDES = {"Foreign": "Non-residents' net purchases of Japanese {}",
          "Resident": "Residents' net purchases of foreign {}"}
JPX_INVESTORS = {
    "Foreigners": "foreign investors", "Individuals": "individuals",
    "TrustBanks": "trust banks", "InvestmentTrusts": "investment trusts",
    "BusinessCos": "business corporations", "Proprietary": "securities firms' own accounts",
    "Brokerage": "securities firms' clients (brokerage total)",
    "Securities": "securities companies", "LifeNonlife": "life and non-life insurers",
    "Banks": "financial institutions (banks, insurers, trust banks, others)",
    "CityRegionalBanks": "city and regional banks", "OtherFinancials": "other financial institutions",
    "OtherInstitutions": "other institutions", "Institutions": "institutions (all)",
    "Total": "all investors (brokerage total)",
}


def _flows() -> dict[str, FlowSpec]:
    specs = []
    for side, text in _SIDES.items():
        for asset, words in _MOF_ASSETS.items():
            specs.append(FlowSpec(f"MOF:{side}:{asset}", text.format(words) + " (MOF weekly)",
                                  "mof_weekly", "", f"{side}:{asset}", WEEKLY, MOF_WEEK_URL))
            specs.append(FlowSpec(f"BOP:{side}:{asset}", text.format(words) + " (MOF BoP monthly)",
                                  "mof_bop", "6pi-1", f"{side}:{asset}", MONTHLY, MOF_BOP_URL))
    for name, words in JPX_INVESTORS.items():
        specs.append(jpx_flow(name, words))
    return {spec.id.upper(): spec for spec in specs}


JPX_MARKETS = ("TokyoNagoya", "Prime", "Standard", "Growth")


def jpx_flow(name: str, words: str | None = None) -> FlowSpec:
    """The flow spec of a JPX investor category (any name the JPX files carry)."""
    words = words or re.sub(r"(?<!^)([A-Z])", r" \1", name).lower()
    return FlowSpec(f"JPX:{name}", f"JPX weekly trading by {words} (net = purchases - sales)",
                    "jpx", "", name, WEEKLY, JPX_URL, "TokyoNagoya", JPX_MARKETS)


SERIES: Mapping[str, SeriesSpec] = _series()
FLOWS: Mapping[str, FlowSpec] = _flows()


def series_spec(series_id: str, csv_files: Mapping[str, str] = {}) -> SeriesSpec:
    """Resolve a series id (case-insensitive), honouring ``JPFLOWS_CSV_<ID>`` overrides."""
    key = series_id.strip().upper()
    if key in csv_files:
        return _csv_spec(key, csv_files[key], SERIES.get(key))
    if key in SERIES:
        return SERIES[key]
    prefix, _, rest = key.partition(":")
    if prefix == "FRED" and re.fullmatch(r"[A-Z0-9_]{1,40}", rest):
        return SeriesSpec(key, f"FRED series {rest}", "as FRED", DAILY, (_fred(rest),))
    if prefix == "BOJ" and re.fullmatch(r"[A-Z0-9]{2,8}:[A-Z0-9_@$.]{1,40}", rest):
        db, code = rest.split(":")
        return SeriesSpec(key, f"BOJ series {db} {code}", "as BOJ", DAILY,
                          (Origin("boj", rest, code, BOJ_URL.format(db, code)),))
    if prefix == "CSV" and rest in csv_files:
        return _csv_spec(key, csv_files[rest], None)
    raise UnknownSeries(_unknown(series_id, csv_hint=prefix == "CSV"))


def _csv_spec(key: str, location: str, replaces: SeriesSpec | None) -> SeriesSpec:
    origin = Origin("csv", location, "value", location)
    if replaces is None:
        return SeriesSpec(key, f"User CSV {key}", "as in file", DAILY, (origin,))
    return replace(replaces, description=replaces.description + " [from user CSV]",
                   origins=(origin,))


def flow_spec(flow_id: str) -> FlowSpec:
    """Resolve a flow id (case-insensitive); any ``JPX:<Name>`` is accepted and checked later."""
    key = flow_id.strip().upper()
    if key in FLOWS:
        return FLOWS[key]
    prefix, _, rest = flow_id.strip().partition(":")
    if prefix.upper() == "JPX" and re.fullmatch(r"[A-Za-z][A-Za-z0-9]{1,40}", rest):
        return jpx_flow(rest)
    if prefix.upper() == "BOP" and re.fullmatch(r"Resident:[A-Za-z]+:[A-Za-z]+", rest, re.I):
        return FlowSpec(f"BOP:{rest}", f"Residents' purchases of foreign securities: {rest}",
                        "mof_bop", "6pi-2", rest, MONTHLY, MOF_BOP_URL)
    raise UnknownSeries(_unknown(flow_id))


def _unknown(text: str, csv_hint: bool = False) -> str:
    shown = text.strip()[:24]
    if csv_hint:
        return f'Unknown series "{shown}"; set JPFLOWS_CSV_<NAME> first'
    stem = re.sub(r"[^A-Za-z]+.*$", "", shown)[:6] or shown[:6]
    return f'Unknown series "{shown}"; try JP_SEARCH("{stem}")'


def search(text: str, found_flows: tuple[FlowSpec, ...] = ()) -> list[tuple[str, str, str]]:
    """(id, kind, description) of every series and flow matching all words of ``text``.

    ``found_flows`` adds flows discovered in files already loaded (JPX categories, BoP types).
    """
    words = text.lower().split()
    rows = [(s.id, "series", f"{s.description} [{s.unit}]") for s in SERIES.values()]
    flows = {f.id.upper(): f for f in (*FLOWS.values(), *found_flows)}
    rows += [(f.id, "flow", f"{f.description} [JPY bn]") for f in flows.values()]
    return [row for row in rows if all(w in f"{row[0]} {row[2]}".lower() for w in words)]


def discovered_flows(source: str, key: str, investors) -> tuple[FlowSpec, ...]:
    """Flow specs for the investor names a loaded JPX or BoP 6pi-2 file actually carries."""
    if source == "jpx":
        return tuple(jpx_flow(name) for name in investors)
    if source == "mof_bop" and key == "6pi-2":
        return tuple(flow_spec(f"BOP:{name}") for name in investors
                     if re.fullmatch(r"Resident:[A-Za-z]+:[A-Za-z]+", name))
    return ()
