"""JPX "Trading by Type of Investors": weekly (or monthly) buying and selling of TSE/NSE stocks.

File URLs sit in unguessable ``-att`` directories, so they are discovered from the index page and
its yearly archive pages (``00-00-archives-00.html``: the current year, ``-01`` the year before...).
JPX rejects requests without a browser-like User-Agent. A first download walks back
:data:`BACKFILL_YEARS` years; published files never change, so only the newest is re-fetched.
Monthly files (key ``"monthly"``) are listed on ``00-01.html``; the names of its archive pages
(``00-01-archives-NN.html``) are assumed by analogy, and the walk stops at the first missing page.

The two file layouts are read by :mod:`addin.sources.jpx_xls` (legacy ``.xls``, to September
2026) and :mod:`addin.sources.jpx_xlsx` (the 2026 ``.xlsx`` files).

Frame: one row per period, dated by the period's last trading day (weekly) or the last calendar day
of the JPX month (monthly); columns (market, investor, measure) with markets ``TokyoNagoya``,
``Prime``, ``Standard``, ``Growth`` (before April 2022 ``First``, ``Second``, ``Mothers``,
``JASDAQ``), measures ``sell``, ``buy``, ``net`` = buy - sell. Unit: JPY billions (thousand yen
/ 1e6). Investors: Proprietary, Brokerage, Total, Institutions, Individuals, Foreigners, Securities,
InvestmentTrusts, BusinessCos, OtherInstitutions, Banks (JPX's "Financial Institutions", 金融機関 =
LifeNonlife + CityRegionalBanks + TrustBanks + OtherFinancials), LifeNonlife, CityRegionalBanks,
TrustBanks, OtherFinancials; an unknown label keeps a CamelCase ASCII name.
"""

from __future__ import annotations

import functools
import logging
import re
from datetime import date, timedelta
from urllib.parse import urlsplit

import numpy as np
import pandas as pd

from addin.errors import BadArgument, LayoutChanged, SourceUnavailable
from addin.polite import Limits
from addin.sources.base import WEEKLY, File, FlowSpec, Origin, Source
from addin.sources.jpx_files import (COLUMN_LEVELS, LEGACY_MONTHLY, LEGACY_WEEKLY, NEW_MONTHLY,
                                     NEW_WEEKLY, rows_frame)
from addin.sources.jpx_backfill import Backfill, Plan
from addin.sources.jpx_pages import (FileLink, archive_links, discover, file_period,  # noqa: F401
                                     link_of, page_checker)

NAME = "JPX"
HOME = "https://www.jpx.co.jp/english/markets/statistics-equities/investor-type/index.html"
BASE_URL = "https://www.jpx.co.jp/markets/statistics-equities/investor-type/"
INDEX_URL = BASE_URL + "index.html"
ARCHIVE_URL = BASE_URL + "00-00-archives-{:02d}.html"
MONTHLY_INDEX_URL = BASE_URL + "00-01.html"
MONTHLY_ARCHIVE_URL = BASE_URL + "00-01-archives-{:02d}.html"
PAGES = {"": (INDEX_URL, ARCHIVE_URL), "monthly": (MONTHLY_INDEX_URL, MONTHLY_ARCHIVE_URL)}
HEADERS = {"User-Agent": "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 "
                         "(KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36"}
BACKFILL_YEARS = 10
INDEX_EXPIRE = timedelta(hours=6)
ARCHIVE_EXPIRE = timedelta(days=1)
NEWEST_EXPIRE = timedelta(hours=6)  # the latest week may still be corrected
PUBLISHED_EXPIRE = -1
IN_FLIGHT = 4  # JPX's limit (SOURCE.limits): requests at once
WORKERS = 3 * IN_FLIGHT  # workers still parsing their files have already freed their request slots
FILES_PER_YEAR = 60  # at most this many value files a year are fetched (weeks: 52 or 53)
STEP = {"": timedelta(days=8), "monthly": timedelta(days=32)}  # one period, and a day of slack

log = logging.getLogger(__name__)


def archive_urls(html: bytes, page_url: str, key: str = "") -> list[str]:
    """The yearly archive pages an index page links to, newest (``-00``) first."""
    return archive_links(html, page_url, urlsplit(PAGES[key][1]).path.rsplit("/", 1)[-1]
                         .split("{")[0])


def download(key: str, get) -> tuple[tuple[str, object], ...]:
    """Fetch the value files of the last :data:`BACKFILL_YEARS` years, oldest first.

    Published files never change: a getter that keeps each file's check result (``get.parsed``,
    ``get.held``) is asked for the result instead of the bytes, so every file is parsed once, and
    the archive pages are walked only when the files already held do not reach the index page
    (or on a Refresh). Files are fetched :data:`WORKERS` at a time while the walk goes on; the
    transport holds JPX to :data:`IN_FLIGHT` requests at once (:mod:`addin.sources.jpx_backfill`).

    Args:
        key: ``""`` for weekly files, ``"monthly"`` for monthly ones.
        get: The injected HTTP getter.

    Returns:
        ``((file name, bytes or the file's one-row frame), ...)`` in period order. An older file
        that cannot be fetched or does not parse is left out (and logged); the newest must succeed.
    """
    if key not in PAGES:
        raise BadArgument(f'JPX key {key[:20]!r} unknown; use "" (weekly) or "monthly"')
    return Backfill(_plan(key), get).run()


def _plan(key: str) -> Plan:
    """The download of ``key`` as this module's settings say (read now: tests change them)."""
    index_url, archive_url = PAGES[key]

    def archives(html: bytes) -> list[str]:
        return archive_urls(html, index_url, key) or [archive_url.format(number)
                                                       for number in range(BACKFILL_YEARS + 1)]

    return Plan(key, index_url, archives, BACKFILL_YEARS, FILES_PER_YEAR, STEP[key], HEADERS,
                {"index": INDEX_EXPIRE, "archive": ARCHIVE_EXPIRE, "newest": NEWEST_EXPIRE,
                 "published": PUBLISHED_EXPIRE}, _checker, WORKERS)


def parse(raw) -> pd.DataFrame:
    """Parse ``((file name, bytes or one-row frame), ...)`` into the JPX frame; the newest file
    wins a period."""
    rows: dict[date, pd.DataFrame] = {}
    for name, body in sorted(raw, key=lambda pair: file_period(pair[0]) or ("", date.min)):
        row = body if isinstance(body, pd.DataFrame) else _checker(name)(body)
        if len(row) != 1:
            raise LayoutChanged(f"JPX {name[:40]}: {len(row)} rows parsed, one expected")
        rows[row.index[0].date()] = row  # in publication order: a later file replaces a period
    if not rows:
        raise LayoutChanged("JPX: no stock_val_1_/stock_1_ value file to parse")
    return _stacked([rows[end] for end in sorted(rows)])


def _stacked(rows: list[pd.DataFrame]) -> pd.DataFrame:
    """One-row frames (ascending dates) as one frame over the union of their columns."""
    layouts = {id(row.columns): row.columns for row in rows}
    union = _columns(tuple(sorted(set().union(*layouts.values()))))
    where = {key: union.get_indexer(columns) for key, columns in layouts.items()}
    table = np.full((len(rows), len(union)), np.nan)
    for number, row in enumerate(rows):
        table[number, where[id(row.columns)]] = row.to_numpy()[0]
    index = pd.DatetimeIndex([row.index[0] for row in rows], name="date").as_unit("us")
    return pd.DataFrame(table, index=index, columns=union, copy=False)


def investors(frame: pd.DataFrame) -> list[str]:
    """The investor names present in a JPX frame, sorted."""
    return sorted(set(frame.columns.get_level_values("investor")))


def parse_file(name: str, body: bytes) -> pd.DataFrame:
    """Parse one value file (legacy ``.xls`` or new ``.xlsx``, told apart by its name) to one row.

    Raises:
        LayoutChanged: the name is not a JPX value file name, or the bytes lack its layout.
    """
    end, values = file_values(name, body)
    return rows_frame({end: values})


def file_values(name: str, body: bytes) -> tuple[date, dict]:
    """Period end and ``{(market, investor, measure): JPY billions}`` of one value file."""
    # The workbook readers (xlrd, openpyxl and their limits) load with the first file to read:
    # a process answering from the parsed store never needs them.
    from addin.sources import jpx_xls, jpx_xlsx

    if LEGACY_WEEKLY.search(name) or LEGACY_MONTHLY.search(name):
        return jpx_xls.legacy_values(name, body)
    found = file_period(name)
    if found and (NEW_WEEKLY.search(name) or NEW_MONTHLY.search(name)):
        return found[1], jpx_xlsx.values(name, body)
    raise LayoutChanged(f"JPX {name[:40]}: not a JPX value file name")


def _checker(name: str):
    """The check of a value file: its one-row frame, kept as the file's parse."""
    def check(body: bytes) -> pd.DataFrame:
        end, values = file_values(name, body)
        return _one_row(end, values)

    return check


def _one_row(end: date, values: dict) -> pd.DataFrame:
    """``rows_frame({end: values})``, built directly: a backfill makes hundreds of them."""
    keys = tuple(sorted(values))
    index = pd.DatetimeIndex([end], name="date").as_unit("us")
    row = np.array([[values[key] for key in keys]], dtype="float64")
    return pd.DataFrame(row, index=index, columns=_columns(keys), copy=False)


@functools.lru_cache(maxsize=16)  # one set of columns per layout era
def _columns(keys: tuple) -> pd.MultiIndex:
    return pd.MultiIndex.from_tuples(keys, names=COLUMN_LEVELS)


MARKETS = ("TokyoNagoya", "Prime", "Standard", "Growth")
INVESTORS = {
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
_NAME = re.compile(r"[A-Za-z][A-Za-z0-9]{1,40}")
PLAUSIBLE = (-200_000.0, 200_000.0)  # JPY bn a week; the whole market trades ~30,000


def flow(name: str, words: str | None = None) -> FlowSpec:
    """The flow spec of a JPX investor category (any name the JPX files carry)."""
    words = words or re.sub(r"(?<!^)([A-Z])", r" \1", name).lower()
    return FlowSpec(f"JPX:{name}", f"JPX weekly trading by {words} (net = purchases - sales)",
                    "jpx", "", name, WEEKLY, "TokyoNagoya", MARKETS,
                    origins=(Origin("jquants", "investor-types", name),),  # the same JPX figures
                    plausible=PLAUSIBLE)


def raw_flows(flow_id: str) -> FlowSpec | None:
    """Any ``JPX:<Name>``: checked against the files when loaded."""
    prefix, _, rest = flow_id.strip().partition(":")
    return flow(rest) if prefix.upper() == "JPX" and _NAME.fullmatch(rest) else None


SOURCE = Source(
    id="jpx", name=NAME, home=HOME, download=download, parse=parse,
    files=(File(INDEX_URL, INDEX_EXPIRE, "index page listing the newest files"),
           File(ARCHIVE_URL, ARCHIVE_EXPIRE, "yearly archive pages"),
           File(BASE_URL + "<-att folder>/stock_val_1_YYMMWW.xls", PUBLISHED_EXPIRE,
                "legacy weekly value file, to September 2026"),
           File(BASE_URL + "<-att folder>/stock_1_w_YYYYMMDD_YYYYMMDD.xlsx", PUBLISHED_EXPIRE,
                "weekly value file from 2026-09-29")),
    headers=HEADERS, headline=("",),
    flows=tuple(flow(name, words) for name, words in INVESTORS.items()),
    raw_flows=raw_flows, discovered=lambda key, investors: tuple(flow(n) for n in investors),
    probe="", attribution="Source: Japan Exchange Group (JPX)",
    limits=Limits(in_flight=4), shape=None,  # workbooks: jpx_xls/jpx_xlsx limit their expansion
)
