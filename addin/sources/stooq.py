"""Stooq daily index history: TOPIX (``^tpx``) and Nikkei 225 (``^nkx``), in index points.

``key`` is the Stooq symbol, e.g. ``"^tpx"``. The URL is built with the symbol exactly as given
(``^`` stays literal in the constants); ``requests`` sends it on the wire as ``%5E``, which Stooq
accepts. The answer is CSV ``Date,Open,High,Low,Close,Volume`` (Volume may be absent); the frame
has float columns ``Open``, ``High``, ``Low``, ``Close`` and ``Volume`` when present.

Since March 2026 a download needs an API key (free, obtained behind a CAPTCHA at
``stooq.com/q/d/?s=^tpx&get_apikey``), sent as the query parameter ``apikey`` (reported by public
API descriptions): the key is set as ``JPFLOWS_STOOQ_KEY`` and added to the request only as it is
sent (:mod:`addin.credentials`), so no URL jpflows keeps or shows carries it. Without a key
nothing is asked.

Stooq often answers HTTP 200 with something else: an HTML page (a bot check; since 2026-07-29
scripts get a proof-of-work page with a ``POST /__verify`` handshake), ``Exceeded the daily hits
limit`` or ``No data``. These are recognised, also in the download ``check``, so they never
replace a good cached copy, and the message says which setting helps.
"""

from __future__ import annotations

import functools
import io
import re
from datetime import timedelta

import pandas as pd

from addin.errors import LayoutChanged, NoData, SourceUnavailable, UnknownSeries
from addin.sources._cells import numbers
from addin.polite import Limits
from addin.sources.base import Credential, File, Source

NAME = "Stooq"
HOME = "https://stooq.com/"
URL_TEMPLATE = "https://stooq.com/q/d/l/?s={symbol}&i=d"
TOPIX_URL = "https://stooq.com/q/d/l/?s=^tpx&i=d"
NIKKEI225_URL = "https://stooq.com/q/d/l/?s=^nkx&i=d"
# Catalogue ids whose JPFLOWS_CSV_<ID> setting replaces the symbol when Stooq refuses.
CATALOGUE_IDS = {"^tpx": "TOPIX", "^nkx": "NIKKEI225"}
EXPIRE = timedelta(hours=3)
PRICE_COLUMNS = ("Open", "High", "Low", "Close")

KEY_SETTING = "JPFLOWS_STOOQ_KEY"
_POW_WORDS = ("proof-of-work", "proof of work", "sha-256", "crypto.subtle", "nonce", "difficulty")
_SYMBOL = re.compile(r"\^?[A-Za-z0-9][A-Za-z0-9._-]*")
_MISSING = ("", "null", "N/D")


def url_for(symbol: str) -> str:
    """The daily CSV URL of a Stooq symbol, e.g. ``url_for("^tpx") == TOPIX_URL``."""
    return URL_TEMPLATE.format(symbol=symbol)


def download(key: str, get) -> bytes:
    """Fetch the daily CSV of the symbol ``key``.

    Raises:
        UnknownSeries: ``key`` is not a Stooq symbol.
    """
    symbol = key.strip()
    if not _SYMBOL.fullmatch(symbol):
        raise UnknownSeries(f"Stooq symbol {key[:20]!r} not understood; e.g. ^tpx or ^nkx")
    check = functools.partial(_frame, label=f"Stooq {symbol}", setting=_setting(symbol))
    return get(url_for(symbol), check=check, expire=EXPIRE)


def parse(raw: bytes) -> pd.DataFrame:
    """Turn a Stooq daily CSV into float OHLC(V) columns.

    Raises:
        LayoutChanged: HTML or an unexpected header instead of the CSV.
        SourceUnavailable: Stooq's daily hit limit message.
        NoData: Stooq's ``No data`` answer.
    """
    return _frame(raw, label="Stooq", setting="JPFLOWS_CSV_<ID>")


def _setting(symbol: str) -> str:
    return f"JPFLOWS_CSV_{CATALOGUE_IDS.get(symbol.lower(), '<ID>')}"


def _frame(raw: bytes, label: str, setting: str) -> pd.DataFrame:
    text = raw.decode("utf-8-sig", errors="replace")
    _reject_non_csv(text, label, setting)
    table = _table(text, label)
    dates = pd.to_datetime(table["Date"].str.strip(), format="%Y-%m-%d", errors="coerce")
    if dates.isna().any():
        bad = table["Date"][dates.isna()].iloc[0]
        raise LayoutChanged(f"{label}: date {bad[:15]!r} is not YYYY-MM-DD")
    columns = [name for name in (*PRICE_COLUMNS, "Volume") if name in table.columns]
    values = {name: numbers(table[name], label, _MISSING, thousands=False) for name in columns}
    frame = pd.DataFrame(values, index=pd.DatetimeIndex(dates, name="date"))
    return frame[~frame.index.duplicated(keep="last")].sort_index()


def _reject_non_csv(text: str, label: str, setting: str) -> None:
    head = text.lstrip()[:512].lower()
    if head.startswith("<") or "<html" in head:
        if _proof_of_work(text.lower()):
            raise SourceUnavailable(f"Stooq: proof-of-work page; set {KEY_SETTING} or {setting}")
        raise LayoutChanged(f"{label}: got an HTML page (bot check?), not CSV")
    if "daily hits limit" in head:
        raise SourceUnavailable(f"Stooq: daily hit limit reached; set {setting} to a file")
    if head.startswith("no data"):
        raise NoData(f"{label}: answered 'No data' (unknown symbol?)")
    first = text.lstrip().split("\n", 1)[0].strip()
    if not first.lower().startswith("date,"):
        raise LayoutChanged(f"{label}: expected header Date,Open,...; got {first[:20]!r}")


def _proof_of_work(page: str) -> bool:
    """Stooq's interstitial for scripts: a ``/__verify`` handshake driven by a hashing script."""
    return "__verify" in page and any(word in page for word in _POW_WORDS)


def _table(text: str, label: str) -> pd.DataFrame:
    try:
        table = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
    except (pd.errors.ParserError, ValueError):
        raise LayoutChanged(f"{label}: rows do not match the Date,Open,... header") from None
    # Map by name, case-insensitively, so a column reordering is harmless.
    wanted = {name.lower(): name for name in ("Date", *PRICE_COLUMNS, "Volume")}
    table = table.rename(columns=lambda c: wanted.get(str(c).strip().lower(), c))
    missing = [name for name in ("Date", *PRICE_COLUMNS) if name not in table.columns]
    if missing:
        raise LayoutChanged(f"{label}: column {missing[0]} missing from the CSV header")
    if table.empty:
        raise LayoutChanged(f"{label}: CSV header but no rows")
    return table



SOURCE = Source(
    id="stooq", name=NAME, home=HOME, download=download, parse=parse,
    files=(File(URL_TEMPLATE, EXPIRE, "daily OHLC(V) CSV per symbol"),),
    # TOPIX (jquants.py) and NIKKEI225 (nikkei.py) name Stooq among their origins.
    headline=("^tpx", "^nkx"),
    probe="^tpx",
    credential=Credential(KEY_SETTING, query="apikey",
                          how="stooq.com/q/d/?s=^tpx&get_apikey (behind a CAPTCHA)",
                          cost="free, with an undisclosed daily quota per key"),
    # No published rate; a low daily quota per key: one request at a time, at most one a second.
    limits=Limits(in_flight=1, per_second=1.0),
)
