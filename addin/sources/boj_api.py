"""The BOJ Time-Series Data Search API's answers (``getDataCode``), page by page.

The API answers HTTP 200 whatever happens and reports errors in a ``STATUS`` field, as JSON even
when CSV was asked for. A CSV page is a preamble of ``KEY,value`` lines (found by content, not by
number), then ``SERIES_CODE,...,VALUES`` rows; a JSON page holds a ``RESULTSET`` list. Each page
becomes long rows (code, date, value); :mod:`addin.sources.boj` joins them.
"""

from __future__ import annotations

import csv
import io
import json
import re

import pandas as pd

from addin.errors import LayoutChanged, SourceUnavailable, UnknownSeries
from addin.sources._cells import numbers

UNKNOWN_CODE = "M181013E"
NO_DATA = "M181030I"
HEADER = ("SERIES_CODE", "NAME_OF_TIME_SERIES", "UNIT", "FREQUENCY", "CATEGORY",
          "LAST_UPDATE", "SURVEY_DATES", "VALUES")
MISSING = ("", "null", "NULL", "NA", "ND")

_HEADER_LINE = re.compile(r"^SERIES_CODE,", re.M)
_NEXT = re.compile(rb"^NEXTPOSITION,([^\r\n]*)", re.M)
_SUPPORTED_FREQUENCIES = ("", "DAILY", "WEEKLY", "MONTHLY")
_EMPTY = pd.DataFrame({"code": [], "date": pd.to_datetime([]), "value": []})


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
    page(body)


def page(body: bytes) -> pd.DataFrame:
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
                         "value": numbers(values, "BOJ getDataCode", MISSING, thousands=False)})


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
