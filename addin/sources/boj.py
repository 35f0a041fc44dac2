"""Bank of Japan Time-Series Data Search: any series through the ``getDataCode`` API.

``key`` is ``"DB:CODE"`` as shown by the BOJ search screen (``"FM01'CODE"`` is accepted too):
``"FM01:STRDCLUCON"`` is TONA, the uncollateralised overnight call rate (% p.a.), and
``"FM08:FXERD04"`` is USD/JPY at 17:00 JST (yen per dollar). Values are in the unit the BOJ
publishes; the frame has one float column per series code (``"STRDCLUCON"``), indexed by date:
daily and weekly series by their day, monthly series by the last day of the month.

The API answers HTTP 200 whatever happens and reports errors in a ``STATUS`` field, as JSON even
when CSV was asked for, so every page is checked before it may enter the cache. A long answer
comes in pages chained by ``NEXTPOSITION``; :func:`download` returns the tuple of page bodies.
When the API fails for TONA, the older table download (:data:`LEGACY_URL`, Shift_JIS,
``YYYY/MM/DD,value`` rows, ``NA`` missing) is read instead.
"""

from __future__ import annotations

import io
import re
from datetime import timedelta

import pandas as pd

from addin.errors import LayoutChanged, NoData, SourceUnavailable, UnknownSeries
from addin.sources._cells import numbers
from addin.polite import Limits
from addin.sources import fred
from addin.sources.base import DAILY, RATE_RANGE, File, Origin, SeriesSpec, Source
from addin.sources.boj_api import MISSING, UNKNOWN_CODE, check_page, next_position, page

NAME = "BOJ"
HOME = "https://www.stat-search.boj.or.jp/index_en.html"
API_URL = "https://www.stat-search.boj.or.jp/api/v1/getDataCode"
LEGACY_URL = "https://www.stat-search.boj.or.jp/ssi/mtshtml/csv/fm01_d_1.csv"
LEGACY_FILES = {("FM01", "STRDCLUCON"): LEGACY_URL}
# Daily and monthly series both take YYYYMM; 1998 is where TONA begins.
START_DATE = "199801"
EXPIRE = timedelta(hours=3)
MAX_PAGES = 50

_KEY = re.compile(r"([A-Za-z0-9]+)[:']([A-Za-z0-9@_.$-]+)")
_LEGACY_ROW = re.compile(r"^\d{4}/\d{1,2}/\d{1,2},", re.M)
_LEGACY_CODE = re.compile(r"\b[A-Z]{2}\d{2}'[A-Z0-9@_.-]+")
_LEGACY = "BOJ fm01_d_1.csv"


def split_key(key: str) -> tuple[str, str]:
    """Split ``"FM01:STRDCLUCON"`` (or ``"FM01'STRDCLUCON"``) into upper-case (db, code).

    Raises:
        UnknownSeries: the key is not ``DB:CODE``.
    """
    match = _KEY.fullmatch(key.strip())
    if match is None:
        raise UnknownSeries(f"BOJ key {key!r} not understood; use DB:CODE, e.g. FM01:STRDCLUCON")
    return match.group(1).upper(), match.group(2).upper()


def api_url(db: str, code: str, start_position: int | None = None) -> str:
    """The ``getDataCode`` CSV URL; no ``endDate``, so the latest data come back."""
    url = f"{API_URL}?format=csv&lang=en&db={db}&code={code}&startDate={START_DATE}"
    return url if start_position is None else f"{url}&startPosition={start_position}"


def download(key: str, get) -> tuple[bytes, ...]:
    """Fetch every page for ``key``; fall back to the legacy table for TONA.

    Raises:
        UnknownSeries: the BOJ does not know the code (``M181013E``).
        SourceUnavailable: the API (and any fallback) failed with nothing cached.
    """
    db, code = split_key(key)
    try:
        return _pages(db, code, get)
    except (UnknownSeries, SourceUnavailable) as exc:
        # The HTTP layer reports a rejected page as SourceUnavailable; the BOJ id stays in its text.
        if isinstance(exc, UnknownSeries) or UNKNOWN_CODE in str(exc):
            raise UnknownSeries(f"BOJ {db}:{code}: no such series code ({UNKNOWN_CODE})") from exc
        return _legacy(db, code, get, exc)


def _pages(db: str, code: str, get) -> tuple[bytes, ...]:
    pages: list[bytes] = []
    position = None
    for _ in range(MAX_PAGES):
        body = get(api_url(db, code, position), check=check_page, expire=EXPIRE)
        pages.append(body)
        following = next_position(body)
        if following is None:
            return tuple(pages)
        if position is not None and following <= position:
            raise LayoutChanged(f"BOJ getDataCode: NEXTPOSITION {following} does not advance")
        position = following
    raise LayoutChanged(f"BOJ getDataCode: more than {MAX_PAGES} pages for {db}:{code}")


def _legacy(db: str, code: str, get, failure: SourceUnavailable) -> tuple[bytes, ...]:
    url = LEGACY_FILES.get((db, code))
    if url is None:
        raise failure
    try:
        return (get(url, check=parse_legacy, expire=EXPIRE),)
    except SourceUnavailable:
        raise failure from None


def parse(raw: bytes | tuple[bytes, ...]) -> pd.DataFrame:
    """Turn the page(s) from :func:`download` into one float column per series code.

    Raises:
        LayoutChanged: a page is neither the API's CSV nor its JSON.
        UnknownSeries, SourceUnavailable: a page is a BOJ error report.
        NoData: every page was empty.
    """
    pages = (bytes(raw),) if isinstance(raw, (bytes, bytearray)) else tuple(raw)
    if not pages:
        raise LayoutChanged("BOJ getDataCode: no page to parse")
    if len(pages) == 1 and _looks_legacy(pages[0]):
        return parse_legacy(pages[0])
    rows = pd.concat([page(body) for body in pages], ignore_index=True)
    if rows["value"].isna().all():
        raise NoData("BOJ: the series has no observations since 1998")
    rows = rows.drop_duplicates(["code", "date"], keep="last")
    wide = rows.pivot(index="date", columns="code", values="value").sort_index()
    return wide.rename_axis(index="date", columns=None).astype("float64")


def _looks_legacy(body: bytes) -> bool:
    head = body.lstrip(b"\xef\xbb\xbf \t\r\n")
    if head.startswith(b"{") or re.search(rb"^STATUS,", head, re.M):
        return False
    return re.search(rb"^\d{4}/\d{1,2}/\d{1,2},", head, re.M) is not None


def parse_legacy(raw: bytes) -> pd.DataFrame:
    """The legacy ``fm01_d_1.csv``: Shift_JIS header lines, then ``YYYY/MM/DD,value`` rows.

    Returns the call rate as column ``STRDCLUCON``, the one series this table holds.
    """
    table = _legacy_rows(raw)
    dates = pd.to_datetime(table[0].str.strip(), format="%Y/%m/%d", errors="coerce")
    if dates.isna().any():
        bad = table[0][dates.isna()].iloc[0]
        raise LayoutChanged(f"{_LEGACY}: date {bad[:15]!r} is not YYYY/MM/DD")
    values = numbers(table[1], _LEGACY, MISSING, thousands=False)
    frame = pd.DataFrame({"STRDCLUCON": values}, index=pd.DatetimeIndex(dates, name="date"))
    return frame[~frame.index.duplicated(keep="last")].sort_index()


def _legacy_rows(raw: bytes) -> pd.DataFrame:
    """The two text columns after the header lines, whose wording is not relied upon."""
    try:
        text = raw.decode("cp932")
    except UnicodeDecodeError:
        raise LayoutChanged(f"{_LEGACY}: not Shift_JIS text") from None
    first = _LEGACY_ROW.search(text)
    if first is None:
        raise LayoutChanged(f"{_LEGACY}: no YYYY/MM/DD,value rows")
    named = _LEGACY_CODE.search(text[: first.start()])
    if named and named.group(0) != "FM01'STRDCLUCON":
        raise LayoutChanged(f"{_LEGACY}: holds {named.group(0)}, not FM01'STRDCLUCON")
    try:
        table = pd.read_csv(io.StringIO(text[first.start():]), header=None, dtype=str,
                            keep_default_na=False)
    except (pd.errors.ParserError, ValueError):
        table = pd.DataFrame()
    if table.shape[1] != 2:
        raise LayoutChanged(f"{_LEGACY}: rows are not date,value")
    return table


_RAW = re.compile(r"[A-Z0-9]{2,8}:[A-Z0-9_@$.]{1,40}")


def raw_series(rest: str) -> SeriesSpec | None:
    """``BOJ:<db>:<code>``: any BOJ Time-Series series, in the BOJ's unit."""
    if not _RAW.fullmatch(rest):
        return None
    db, code = rest.split(":")
    return SeriesSpec(f"BOJ:{rest}", f"BOJ series {db} {code}", "as BOJ", DAILY,
                      (Origin("boj", rest, code),))


SOURCE = Source(
    id="boj", name=NAME, home=HOME, download=download, parse=parse,
    files=(File(API_URL + "?format=csv&lang=en&db={db}&code={code}&startDate=" + START_DATE,
                EXPIRE, "getDataCode API, paged by NEXTPOSITION"),
           File(LEGACY_URL, EXPIRE, "legacy call-rate table, fallback for TONA",
                note="read from BOJ's legacy flat file (fm01_d_1.csv), a fallback the BOJ says "
                     "may move without notice")),
    headline=("FM01:STRDCLUCON", "FM08:FXERD04"),
    series=(SeriesSpec("TONA", "BOJ uncollateralized overnight call rate (TONA), FM01 STRDCLUCON",
                       "%", DAILY, (Origin("boj", "FM01:STRDCLUCON", "STRDCLUCON"),), "JPY",
                       plausible=RATE_RANGE),
            SeriesSpec("USDJPY", "Yen per US dollar: BOJ Tokyo 17:00 (FM08 FXERD04); FRED DEXJPUS",
                       "JPY per USD", DAILY,
                       (Origin("boj", "FM08:FXERD04", "FXERD04"), fred.origin("DEXJPUS")),
                       note="BOJ's Tokyo 17:00 rate; when the BOJ is unavailable, FRED's noon "
                            "New York rate (a different fixing)", plausible=(50.0, 500.0))),
    raw_prefix="BOJ", raw_series=raw_series, probe="FM01:STRDCLUCON",
    limits=Limits(in_flight=1, per_second=1.0),  # the API terms ask for low-frequency access
    attribution="Source: Bank of Japan",
)
