"""The New York Fed's reference-rate API: SOFR, the second origin behind FRED's copy.

``search.json?startDate=YYYY-MM-DD&endDate=YYYY-MM-DD`` answers JSON
``{"refRates": [{"effectiveDate": "2025-09-30", "type": "SOFR", "percentRate": 4.24, ...}]}``
(the layout public clients report; no copy could be read here). No key. One request per
calendar year (the key is the year), so a year's URL never changes and its last good copy keeps
serving when the API is down.

Frame: one float column ``SOFR`` in percent, index ``date`` (the effective date).
"""

from __future__ import annotations

import json
from datetime import timedelta

import pandas as pd

from addin.errors import LayoutChanged, NoData
from addin.polite import Limits
from addin.sources._cells import numbers
from addin.sources.base import File, Source, Yearly

NAME = "New York Fed"
HOME = "https://www.newyorkfed.org/markets/reference-rates/sofr"
URL = ("https://markets.newyorkfed.org/api/rates/secured/sofr/search.json"
       "?startDate={year}-01-01&endDate={year}-12-31")
EXPIRE = timedelta(hours=3)
YEARLY = Yearly(first_year=2018)  # SOFR is published from 2018-04-03
LABEL = "New York Fed SOFR"


def download(key: str, get) -> bytes:
    """The SOFR rates of one calendar year (``key`` such as ``"2025"``)."""
    year = YEARLY.year(key, "New York Fed")
    return get(URL.format(year=year), check=parse, expire=EXPIRE)


def parse(raw: bytes) -> pd.DataFrame:
    """Turn a ``search.json`` answer into the ``SOFR`` column.

    Raises:
        LayoutChanged: not JSON, no ``refRates`` list, a rate of another type, a bad date.
        NoData: the year holds no rate yet.
    """
    rates = _rates(raw)
    if not rates:
        raise NoData(f"{LABEL}: no rates in the answer")
    kinds = {str(rate.get("type", "")).upper() for rate in rates}
    if kinds != {"SOFR"}:
        raise LayoutChanged(f"{LABEL}: rates of type {sorted(kinds)[0][:10]!r}, not SOFR")
    days = pd.Series([str(rate.get("effectiveDate", "")) for rate in rates])
    dates = pd.to_datetime(days, format="%Y-%m-%d", errors="coerce")
    if dates.isna().any():
        raise LayoutChanged(f"{LABEL}: effectiveDate {days[dates.isna()].iloc[0][:12]!r}")
    values = numbers([rate.get("percentRate") for rate in rates], LABEL, ("", "None"),
                     thousands=False)
    frame = pd.DataFrame({"SOFR": values}, index=pd.DatetimeIndex(dates, name="date"))
    return frame[~frame.index.duplicated(keep="last")].sort_index()


def _rates(raw: bytes) -> list[dict]:
    try:
        doc = json.loads(raw.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError):
        raise LayoutChanged(f"{LABEL}: answer is not JSON") from None
    rates = doc.get("refRates") if isinstance(doc, dict) else None
    if not isinstance(rates, list) or not all(isinstance(rate, dict) for rate in rates):
        raise LayoutChanged(f"{LABEL}: no 'refRates' list in the answer")
    return rates


SOURCE = Source(
    id="nyfed", name=NAME, home=HOME, download=download, parse=parse,
    files=(File(URL, EXPIRE, "SOFR of one calendar year, JSON, no key"),),
    yearly=YEARLY, probe=lambda today: str(today.year),
    attribution="Source: Federal Reserve Bank of New York",
    limits=Limits(in_flight=1, per_second=1.0),  # no published limit: one request at a time
)
