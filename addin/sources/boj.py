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

import csv
import io
import json
import re
from datetime import timedelta

import pandas as pd

from addin.errors import LayoutChanged, NoData, SourceUnavailable, UnknownSeries
from addin.sources._cells import numbers
from addin.sources.base import DAILY, File, Origin, SeriesSpec, Source

NAME = "BOJ"
HOME = "https://www.stat-search.boj.or.jp/index_en.html"
API_URL = "https://www.stat-search.boj.or.jp/api/v1/getDataCode"
LEGACY_URL = "https://www.stat-search.boj.or.jp/ssi/mtshtml/csv/fm01_d_1.csv"
LEGACY_FILES = {("FM01", "STRDCLUCON"): LEGACY_URL}
# Daily and monthly series both take YYYYMM; 1998 is where TONA begins.
START_DATE = "199801"
EXPIRE = timedelta(hours=3)
MAX_PAGES = 50
UNKNOWN_CODE = "M181013E"
NO_DATA = "M181030I"
HEADER = ("SERIES_CODE", "NAME_OF_TIME_SERIES", "UNIT", "FREQUENCY", "CATEGORY",
          "LAST_UPDATE", "SURVEY_DATES", "VALUES")

_KEY = re.compile(r"([A-Za-z0-9]+)[:']([A-Za-z0-9@_.$-]+)")
_HEADER_LINE = re.compile(r"^SERIES_CODE,", re.M)
_NEXT = re.compile(rb"^NEXTPOSITION,([^\r\n]*)", re.M)
_LEGACY_ROW = re.compile(r"^\d{4}/\d{1,2}/\d{1,2},", re.M)
_LEGACY_CODE = re.compile(r"\b[A-Z]{2}\d{2}'[A-Z0-9@_.-]+")
_LEGACY = "BOJ fm01_d_1.csv"
_MISSING = ("", "null", "NULL", "NA", "ND")
_SUPPORTED_FREQUENCIES = ("", "DAILY", "WEEKLY", "MONTHLY")
_EMPTY = pd.DataFrame({"code": [], "date": pd.to_datetime([]), "value": []})


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


def next_position(body: bytes) -> int | None:
    """The ``NEXTPOSITION`` of a page (CSV or JSON), or None when it is the last page."""
    if body.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"{"):
        value = _keys(json.loads(body.decode("utf-8-sig"))).get("NEXTPOSITION")
    else:
        match = _NEXT.search(body)
        value = match.group(1).decode("ascii", "replace") if match else None
    text = "" if value is None else str(value).strip()
    if text.lower() in ("", "null"):
        return None
    if not text.isdigit():
        raise LayoutChanged(f"BOJ getDataCode: NEXTPOSITION {text[:20]!r} is not a number")
    return int(text)


def check_page(body: bytes) -> None:
    """Reject a page that is an error report or not in the API layout (so it is never cached)."""
    _page(body)


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
    rows = pd.concat([_page(page) for page in pages], ignore_index=True)
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


def _page(body: bytes) -> pd.DataFrame:
    """One page as long rows (code, date, value); empty for a no-data answer."""
    try:
        text = body.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise LayoutChanged("BOJ getDataCode: answer is not UTF-8 (asked lang=en)") from None
    if text.lstrip().startswith("{"):
        return _json_page(text)
    return _csv_page(text)


def _csv_page(text: str) -> pd.DataFrame:
    header = _HEADER_LINE.search(text)
    meta = _preamble(text[: header.start()] if header else text)
    if "STATUS" not in meta:
        raise LayoutChanged("BOJ getDataCode: no STATUS line; not the API's CSV or JSON")
    _raise_for_status(meta["STATUS"], meta.get("MESSAGEID", ""), meta.get("MESSAGE", ""))
    if header is None:
        if meta.get("MESSAGEID") == NO_DATA:
            return _EMPTY
        raise LayoutChanged("BOJ getDataCode CSV: header 'SERIES_CODE,...,VALUES' not found")
    try:
        table = pd.read_csv(io.StringIO(text[header.start():]), dtype=str, keep_default_na=False)
    except (pd.errors.ParserError, ValueError) as exc:
        raise LayoutChanged(f"BOJ getDataCode CSV: unreadable rows ({exc})"[:75]) from None
    missing = [name for name in HEADER if name not in table.columns]
    if missing:
        raise LayoutChanged(f"BOJ getDataCode CSV: column {missing[0]} missing")
    return _rows(table["SERIES_CODE"], table["FREQUENCY"], table["SURVEY_DATES"], table["VALUES"])


def _preamble(text: str) -> dict[str, str]:
    """``KEY,value`` lines before the header, found by their content, not by their number."""
    meta: dict[str, str] = {}
    try:
        for row in csv.reader(io.StringIO(text, newline="")):
            if row and row[0].strip():
                meta.setdefault(row[0].strip().upper(), row[1].strip() if len(row) > 1 else "")
    except csv.Error as error:
        raise LayoutChanged(f"BOJ: preamble is not CSV ({str(error)[:30]})") from None
    return meta


def _json_page(text: str) -> pd.DataFrame:
    try:
        doc = json.loads(text)
    except ValueError:
        raise LayoutChanged("BOJ getDataCode: answer starts with '{' but is not JSON") from None
    doc = _keys(doc) if isinstance(doc, dict) else {}
    if "STATUS" not in doc:
        raise LayoutChanged("BOJ getDataCode JSON: no STATUS field")
    message_id = str(doc.get("MESSAGEID") or "")
    _raise_for_status(doc["STATUS"], message_id, str(doc.get("MESSAGE") or ""))
    results = doc.get("RESULTSET")
    if not results and (message_id == NO_DATA or results == []):
        return _EMPTY
    if not isinstance(results, list):
        raise LayoutChanged("BOJ getDataCode JSON: no RESULTSET list")
    return pd.concat([_json_series(item) for item in results], ignore_index=True)


def _json_series(item) -> pd.DataFrame:
    series = _keys(item) if isinstance(item, dict) else {}
    block = series.get("VALUES")
    block = _keys(block) if isinstance(block, dict) else {}
    dates, values = block.get("SURVEYDATES"), block.get("VALUES")
    if not isinstance(dates, list) or not isinstance(values, list) or len(dates) != len(values):
        raise LayoutChanged("BOJ getDataCode JSON: VALUES needs equal SURVEY_DATES/VALUES lists")
    code, frequency = (pd.Series([str(series.get(k) or "")] * len(dates), dtype=object)
                       for k in ("SERIESCODE", "FREQUENCY"))
    return _rows(code, frequency, pd.Series(dates, dtype=object), pd.Series(values, dtype=object))


def _keys(doc: dict) -> dict:
    """Key spelling varies between clients' reports (``SERIES_CODE``, ``SERIES CODE``)."""
    return {re.sub(r"[\s_]", "", str(k)).upper(): v for k, v in doc.items()}


def _raise_for_status(status, message_id: str, message: str) -> None:
    try:
        code = int(str(status).strip())
    except ValueError:
        raise LayoutChanged(f"BOJ getDataCode: STATUS {str(status)[:20]!r} not a number") from None
    if code == 200:
        return
    if message_id == UNKNOWN_CODE:
        raise UnknownSeries(f"BOJ {UNKNOWN_CODE}: series code not found")
    raise SourceUnavailable(f"BOJ {message_id or code}: {message}".strip()[:70])


def _rows(code: pd.Series, frequency: pd.Series, dates: pd.Series, values: pd.Series):
    """Long rows (code, date, value) from equally long columns."""
    codes = code.astype(str).str.strip()
    if (codes == "").any():
        raise LayoutChanged("BOJ getDataCode: a row has no SERIES_CODE")
    labels = frequency.astype(str).str.strip().str.upper().str.split(" ").str[0]
    unsupported = ~labels.isin(_SUPPORTED_FREQUENCIES)
    if unsupported.any():
        raise LayoutChanged(f"BOJ: {frequency[unsupported].iloc[0]} series not supported "
                            "(daily, weekly, monthly)"[:75])
    return pd.DataFrame({"code": codes.to_numpy(),
                         "date": _survey_dates(dates).to_numpy(),
                         "value": numbers(values, "BOJ getDataCode", _MISSING).to_numpy()})


def _survey_dates(raw: pd.Series) -> pd.Series:
    """``YYYYMMDD`` (daily, weekly) as that day; ``YYYYMM`` (monthly) as the month's last day."""
    text = raw.astype(str).str.strip()
    day = pd.to_datetime(text.where(text.str.fullmatch(r"\d{8}")), format="%Y%m%d", errors="coerce")
    month = pd.to_datetime(text.where(text.str.fullmatch(r"\d{6}")), format="%Y%m", errors="coerce")
    dates = day.fillna(month + pd.offsets.MonthEnd(0))
    if dates.isna().any():
        bad = text[dates.isna()].iloc[0]
        raise LayoutChanged(f"BOJ: survey date {bad[:12]!r} is not YYYYMMDD or YYYYMM")
    return dates


def parse_legacy(raw: bytes) -> pd.DataFrame:
    """The legacy ``fm01_d_1.csv``: Shift_JIS header lines, then ``YYYY/MM/DD,value`` rows.

    Returns the call rate as column ``STRDCLUCON``, the one series this table holds.
    """
    table = _legacy_rows(raw)
    dates = pd.to_datetime(table[0].str.strip(), format="%Y/%m/%d", errors="coerce")
    if dates.isna().any():
        bad = table[0][dates.isna()].iloc[0]
        raise LayoutChanged(f"{_LEGACY}: date {bad[:15]!r} is not YYYY/MM/DD")
    values = numbers(table[1], _LEGACY, _MISSING).to_numpy()
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
           File(LEGACY_URL, EXPIRE, "legacy call-rate table, fallback for TONA")),
    headline=("FM01:STRDCLUCON",),
    series=(SeriesSpec("TONA", "BOJ uncollateralized overnight call rate (TONA), FM01 STRDCLUCON",
                       "%", DAILY, (Origin("boj", "FM01:STRDCLUCON", "STRDCLUCON"),), "JPY"),),
    raw_prefix="BOJ", raw_series=raw_series, probe="FM01:STRDCLUCON",
    attribution="Source: Bank of Japan",
)
