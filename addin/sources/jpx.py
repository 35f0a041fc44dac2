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

import logging
import re
from dataclasses import dataclass
from datetime import date, timedelta
from urllib.parse import urljoin, urlsplit

import pandas as pd

from addin.errors import BadArgument, LayoutChanged, SourceUnavailable
from addin.polite import Limits
from addin.sources.base import WEEKLY, File, FlowSpec, Origin, Source
from addin.sources import jpx_xls, jpx_xlsx
from addin.sources.jpx_files import (LEGACY_MONTHLY, LEGACY_WEEKLY, NEW_MONTHLY, NEW_WEEKLY,
                                     month_end, rows_frame, ymd)

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

_HREF = re.compile(rb"""href\s*=\s*["']([^"'#]+)""", re.IGNORECASE)

log = logging.getLogger(__name__)


@dataclass(frozen=True, order=True)
class FileLink:
    """A value file found on a page; sorts by period, so the newest file comes last."""

    period: date  # period end; for a legacy weekly name the earliest end week N can have
    name: str
    url: str
    key: str  # "" weekly, "monthly"


def file_period(name: str) -> tuple[str, date] | None:
    """``(key, period end)`` from a value file's name; ``None`` for any other file."""
    if (match := LEGACY_WEEKLY.search(name)) and 1 <= int(match.group(2)) <= 12:
        year, month, week = (int(group) for group in match.groups())
        return "", date(2000 + year, month, 1) + timedelta(days=7 * (week - 1))
    if (match := NEW_WEEKLY.search(name)) and (end := ymd(match.group(2))):
        return "", end
    match = LEGACY_MONTHLY.search(name) or NEW_MONTHLY.search(name)
    if match and 1 <= int(match.group(2)) <= 12:
        year = int(match.group(1))
        return "monthly", month_end(year + 2000 if year < 100 else year, int(match.group(2)))
    return None


def discover(html: bytes, page_url: str) -> list[FileLink]:
    """Value-file links (weekly and monthly, volume files and PDFs left out) on an index page."""
    links = {}
    for href in _HREF.findall(html):
        url = urljoin(page_url, href.decode("utf-8", "replace").strip())
        name = urlsplit(url).path.rsplit("/", 1)[-1]
        if found := file_period(name):
            links[url] = FileLink(found[1], name, url, found[0])
    return sorted(links.values())


def archive_urls(html: bytes, page_url: str, key: str = "") -> list[str]:
    """The yearly archive pages an index page links to, newest (``-00``) first."""
    stem = urlsplit(PAGES[key][1]).path.rsplit("/", 1)[-1].split("{")[0]
    urls = {urljoin(page_url, href.decode("utf-8", "replace").strip())
            for href in _HREF.findall(html)}
    return sorted(url for url in urls if re.search(re.escape(stem) + r"\d+\.html$", url))


def download(key: str, get) -> tuple[tuple[str, bytes], ...]:
    """Fetch the value files of the last :data:`BACKFILL_YEARS` years, oldest first.

    Args:
        key: ``""`` for weekly files, ``"monthly"`` for monthly ones.
        get: The injected HTTP getter.

    Returns:
        ``((file name, bytes), ...)`` in period order. An older file that cannot be fetched or
        does not parse is left out (and logged); the newest file must succeed.
    """
    if key not in PAGES:
        raise BadArgument(f'JPX key {key[:20]!r} unknown; use "" (weekly) or "monthly"')
    links = _recent(_links(key, get), key)
    files = []
    for link in links:
        newest = link is links[-1]
        expire = NEWEST_EXPIRE if newest else PUBLISHED_EXPIRE
        try:
            files.append((link.name, get(link.url, check=_checker(link.name), headers=HEADERS,
                                         expire=expire)))
        except (LayoutChanged, SourceUnavailable) as error:
            if newest:
                raise
            # One odd or missing file deep in the backfill must not cost the other nine years;
            # it is not cached, so the next refresh asks for it again.
            log.warning("JPX file %s skipped: %s", link.name, error)
    return tuple(files)


def parse(raw) -> pd.DataFrame:
    """Parse ``((file name, bytes), ...)`` into the JPX frame; the newest file wins a period."""
    rows = {}
    for name, body in sorted(raw, key=lambda pair: file_period(pair[0]) or ("", date.min)):
        end, values = file_values(name, body)
        rows[end] = values  # in publication order, so a later file replaces the same period
    if not rows:
        raise LayoutChanged("JPX: no stock_val_1_/stock_1_ value file to parse")
    return rows_frame(rows)


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
    if LEGACY_WEEKLY.search(name) or LEGACY_MONTHLY.search(name):
        return jpx_xls.legacy_values(name, body)
    found = file_period(name)
    if found and (NEW_WEEKLY.search(name) or NEW_MONTHLY.search(name)):
        return found[1], jpx_xlsx.values(name, body)
    raise LayoutChanged(f"JPX {name[:40]}: not a JPX value file name")


def _links(key: str, get) -> list[FileLink]:
    """Every value file of ``key`` on the index page and its archive pages, back-filling years."""
    index_url, archive_url = PAGES[key]
    html = get(index_url, check=_page_checker(index_url), headers=HEADERS, expire=INDEX_EXPIRE)
    # Keyed by file name: a file listed on two pages (under two -att folders) is fetched once.
    found = {link.name: link for link in discover(html, index_url) if link.key == key}
    pages = archive_urls(html, index_url, key)
    pages = pages or [archive_url.format(number) for number in range(BACKFILL_YEARS + 1)]
    _walk_archives(key, get, pages[: BACKFILL_YEARS + 1], found)
    return sorted(found.values())


def _walk_archives(key: str, get, pages: list[str], found: dict[str, FileLink]) -> None:
    """Add the files of the archive pages, newest year first, until the backfill is covered."""
    for page_url in pages:
        try:
            page = get(page_url, check=_page_checker(page_url), headers=HEADERS,
                       expire=ARCHIVE_EXPIRE)
        except SourceUnavailable as error:
            # Past the oldest archive page JPX keeps (404), or a page without value links.
            log.info("JPX archive walk stops at %s: %s", page_url, error)
            return
        on_page = [link for link in discover(page, page_url) if link.key == key]
        found.update((link.name, link) for link in on_page if link.name not in found)
        if on_page and max(on_page).period < _cutoff(found.values()):
            return


def _recent(links: list[FileLink], key: str) -> list[FileLink]:
    if not links:
        raise LayoutChanged(f"JPX: no {key or 'weekly'} value file links on the index pages")
    cutoff = _cutoff(links)
    return [link for link in links if link.period >= cutoff]


def _cutoff(links) -> date:
    return max(links).period - timedelta(days=round(365.25 * BACKFILL_YEARS))


def _checker(name: str):
    return lambda body: parse_file(name, body)


def _page_checker(page_url: str):
    def check(body: bytes) -> None:
        if not discover(body, page_url):
            raise LayoutChanged(f"JPX {page_url.rsplit('/', 1)[-1]}: no value file links")

    return check


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
