"""JPX "Trading by Type of Investors": weekly (or monthly) buying and selling of TSE/NSE stocks.

File URLs sit in unguessable ``-att`` directories, so they are discovered from the index page and
its yearly archive pages (``00-00-archives-00.html`` is the current year, ``-01`` the year before...).
JPX rejects requests without a browser-like User-Agent. A first download walks back
:data:`BACKFILL_YEARS` years; published files never change, so only the newest is re-fetched.

The legacy ``.xls`` layout (to September 2026) is described in :mod:`addin.sources.jpx_files`.

New files (``stock_1_w_YYYYMMDD_YYYYMMDD.xlsx`` from the week of 2026-09-29, monthly
``stock_1_mYYYYMM.xlsx``) hold one sheet: the header row (row 6) starts ``年月週`` (monthly ``年月``)
and has the unit in column C, then 14 investor groups of four columns (Sales, Purchases, Balance,
Total) across D-BG, named by the rows above (row 3 the parent such as ``海外投資家``, row 5 the part
such as ``法人``); below, one row per market and measure (``株数`` volume, ``金額`` value). There are
no aggregate investors: Proprietary, Individuals and Foreigners are the sums of their cash/margin or
corporate/individual parts (kept too, e.g. ``ForeignersCorporate``), and Banks, Institutions,
Brokerage and Total are summed as in the legacy files. ``二市場`` is the TokyoNagoya market; a file
without it gets TokyoNagoya = Prime + Standard + Growth (TSE only, Nagoya listings excluded).

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

import numpy as np
import pandas as pd

from addin.errors import BadArgument, LayoutChanged, SourceUnavailable
from addin.sources.jpx_files import (
    LEGACY_MONTHLY, LEGACY_WEEKLY, NEW_MONTHLY, NEW_WEEKLY, camel_case, carried_right, cell_at,
    cell_text, check_triplets, investor_name, japanese_key, legacy_file, month_end, numbers,
    one_row, xlsx_rows, ymd,
)

NAME = "JPX"
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

NEW_MARKETS = {"東証プライム": "Prime", "東証スタンダード": "Standard", "東証グロース": "Growth",
               "二市場": "TokyoNagoya"}
TSE_MARKETS = ("Prime", "Standard", "Growth")
SPLIT_NAMES = {  # new groups that split one legacy category: (parent prefix, part word) -> name
    ("自己", "現金"): "ProprietaryCash", ("自己", "信用"): "ProprietaryMargin",
    ("個人", "現金"): "IndividualsCash", ("個人", "信用"): "IndividualsMargin",
    ("海外投資家", "法人"): "ForeignersCorporate", ("海外投資家", "個人"): "ForeignersIndividual",
}
NEW_GROUPS = frozenset({*SPLIT_NAMES.values(), "Securities", "InvestmentTrusts", "BusinessCos",
                        "OtherInstitutions", "LifeNonlife", "CityRegionalBanks", "TrustBanks",
                        "OtherFinancials"})
DERIVED = (  # in order: Banks must exist before Institutions adds it
    ("Proprietary", ("ProprietaryCash", "ProprietaryMargin")),
    ("Individuals", ("IndividualsCash", "IndividualsMargin")),
    ("Foreigners", ("ForeignersCorporate", "ForeignersIndividual")),
    ("Banks", ("LifeNonlife", "CityRegionalBanks", "TrustBanks", "OtherFinancials")),
    ("Institutions", ("InvestmentTrusts", "BusinessCos", "OtherInstitutions", "Banks")),
)
_GROUP_HEADS = ("売", "買", "差引", "合計")
_HREF = re.compile(rb"""href\s*=\s*["']([^"'#]+)""", re.IGNORECASE)

log = logging.getLogger(__name__)


@dataclass(frozen=True, order=True)
class FileLink:
    """A value file found on a page; sorts by period, so the newest file comes last."""

    period: date  # period end (for legacy weekly names an ordinal stand-in: "week N of the month")
    name: str
    url: str
    key: str  # "" weekly, "monthly"


def file_period(name: str) -> tuple[str, date] | None:
    """``(key, period end)`` from a value file's name; ``None`` for any other file."""
    if (match := LEGACY_WEEKLY.search(name)) and 1 <= int(match.group(2)) <= 12:
        year, month, week = (int(group) for group in match.groups())
        return "", date(2000 + year, month, 1) + timedelta(days=7 * week - 1)
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
        ``((file name, bytes), ...)`` in period order.
    """
    if key not in PAGES:
        raise BadArgument(f'JPX key {key[:20]!r} unknown; use "" (weekly) or "monthly"')
    links = _recent(_links(key, get))
    files = []
    for link in links:
        newest = link is links[-1]
        expire = NEWEST_EXPIRE if newest else PUBLISHED_EXPIRE
        try:
            files.append((link.name, get(link.url, check=_checker(link.name), headers=HEADERS,
                                         expire=expire)))
        except LayoutChanged:
            if newest:
                raise
            # One odd file deep in the backfill must not cost the user the other nine years.
            log.warning("JPX file %s skipped: layout not recognised", link.name)
    return tuple(files)


def parse(raw) -> pd.DataFrame:
    """Parse ``((file name, bytes), ...)`` into the JPX frame; the newest file wins a period."""
    pairs = sorted(raw, key=lambda pair: file_period(pair[0]) or ("", date.min))
    frames = [parse_file(name, body) for name, body in pairs]
    if not frames:
        raise LayoutChanged("JPX: no stock_val_1_/stock_1_ value file to parse")
    frame = pd.concat(frames)
    frame = frame[~frame.index.duplicated(keep="last")].sort_index().sort_index(axis=1)
    return frame.astype("float64")


def investors(frame: pd.DataFrame) -> list[str]:
    """The investor names present in a JPX frame, sorted."""
    return sorted(set(frame.columns.get_level_values("investor")))


def parse_file(name: str, body: bytes) -> pd.DataFrame:
    """Parse one value file (legacy ``.xls`` or new ``.xlsx``, told apart by its name).

    Raises:
        LayoutChanged: the name is not a JPX value file name, or the bytes lack its layout.
    """
    if LEGACY_WEEKLY.search(name) or LEGACY_MONTHLY.search(name):
        return legacy_file(name, body)
    found = file_period(name)
    if found and (NEW_WEEKLY.search(name) or NEW_MONTHLY.search(name)):
        return _new_file(name, body, found[1])
    raise LayoutChanged(f"JPX {name[:40]}: not a stock_val_1_/stock_1_ value file name")


def _links(key: str, get) -> list[FileLink]:
    """Every value file of ``key`` on the index page and its archive pages, back-filling years."""
    index_url, archive_url = PAGES[key]
    html = get(index_url, check=_page_checker(index_url), headers=HEADERS, expire=INDEX_EXPIRE)
    found = {link.url: link for link in discover(html, index_url) if link.key == key}
    pages = archive_urls(html, index_url, key)
    pages = pages or [archive_url.format(number) for number in range(BACKFILL_YEARS + 1)]
    for page_url in pages[: BACKFILL_YEARS + 1]:
        try:
            page = get(page_url, headers=HEADERS, expire=ARCHIVE_EXPIRE)
        except SourceUnavailable:
            break  # past the oldest archive page JPX keeps
        on_page = [link for link in discover(page, page_url) if link.key == key]
        found.update((link.url, link) for link in on_page)
        if on_page and max(on_page).period < _cutoff(found.values()):
            break
    return sorted(found.values())


def _recent(links: list[FileLink]) -> list[FileLink]:
    if not links:
        raise LayoutChanged("JPX index.html: no stock_val_1_/stock_1_ value file links")
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


def _new_file(name: str, body: bytes, end: date) -> pd.DataFrame:
    rows = xlsx_rows(name, body)
    head = next((i for i, row in enumerate(rows[:30]) if cell_at(row, 0).startswith("年月")), -1)
    if head < 3:
        raise LayoutChanged(f"JPX {name}: header row starting 年月週 not found")
    if "千円" not in cell_at(rows[head], 2):
        raise LayoutChanged(f"JPX {name}: unit 千円 not in header row column C")
    groups = _new_groups(name, rows, head)
    sell, buy = _new_values(name, rows[head + 1:], groups)
    return one_row(end, _with_totals(name, sell).stack(), _with_totals(name, buy).stack())


def _new_groups(name: str, rows: list[tuple], head: int) -> list[str]:
    """Investor names of the four-column groups that start at column D of the header row."""
    parents, names, col = carried_right(rows[head - 3]), [], 3
    while cell_at(rows[head], col).startswith("売"):
        if not all(cell_at(rows[head], col + k).startswith(w) for k, w in enumerate(_GROUP_HEADS)):
            raise LayoutChanged(f"JPX {name}: header column {col + 1} not 売/買/差引/合計")
        parent = parents[col] if col < len(parents) else ""
        names.append(_group_name(parent, cell_at(rows[head - 1], col)) or f"Col{col + 1}")
        col += 4
    missing = sorted(NEW_GROUPS - set(names))
    if missing or len(set(names)) != len(names):
        raise LayoutChanged(f"JPX {name}: investor group {(missing or names)[0]} missing/doubled")
    return names


def _new_values(name: str, rows: list[tuple], groups: list[str]):
    """(sell, buy) in thousand yen, markets x groups, from the value (金額) rows."""
    width = 3 + 4 * len(groups)
    table = pd.DataFrame([list(row[:width]) + [None] * (width - len(row)) for row in rows],
                         columns=range(width))
    labels = table.iloc[:, :3].map(cell_text)
    # Period and market cells are merged over the volume and value rows: carry them down.
    carried = labels[1].map(japanese_key).replace("", np.nan).ffill().fillna("")
    value_rows = labels[2].str.startswith("金額").to_numpy()
    markets = [NEW_MARKETS.get(text) or camel_case(text) for text in carried[value_rows]]
    if not markets or "" in markets or len(set(markets)) != len(markets):
        raise LayoutChanged(f"JPX {name}: value (金額) rows missing or market unclear")
    cells = numbers(table.iloc[value_rows, 3:].to_numpy().ravel()).reshape(len(markets), -1, 4)
    where = np.array([f"{market}/{group}" for market in markets for group in groups])
    sell, buy, balance, total = (cells[:, :, k].ravel() for k in range(4))
    check_triplets(name, where, sell, buy, total, balance)
    shape = (len(markets), len(groups))
    return (pd.DataFrame(part.reshape(shape), index=markets, columns=groups) for part in (sell, buy))


def _with_totals(name: str, frame: pd.DataFrame) -> pd.DataFrame:
    """Add the legacy aggregates, and TokyoNagoya when the file has no 二市場 rows."""
    frame, leaves = frame.copy(), list(frame.columns)
    for total, parts in DERIVED:
        frame[total] = frame[list(parts)].sum(axis=1)
    # Every trade falls in exactly one group, so all groups, known or not, add up to the total.
    frame["Total"] = frame[leaves].sum(axis=1)
    frame["Brokerage"] = frame["Total"] - frame["Proprietary"]
    if "TokyoNagoya" not in frame.index:
        if not set(TSE_MARKETS) <= set(frame.index):
            raise LayoutChanged(f"JPX {name}: no 二市場 rows and TSE markets incomplete")
        frame.loc["TokyoNagoya"] = frame.loc[list(TSE_MARKETS)].sum()
    return frame


def _group_name(parent: object, part: object) -> str:
    head, word = japanese_key(parent), japanese_key(part)
    for (parent_prefix, part_word), split in SPLIT_NAMES.items():
        if head.startswith(parent_prefix) and part_word in word:
            return split
    return investor_name(part)
