"""J-Quants API v2 (JPX's data service): TOPIX daily, and JPX investor types as a second origin.

Every request carries the user's key in the header ``x-api-key`` (``JPFLOWS_JQUANTS_KEY``, added
as the request is sent: :mod:`addin.credentials`). Answers are JSON ``{"data": [...],
"pagination_key": "..."}``; a long answer comes in pages, each asked again with
``pagination_key``; a refusal is ``{"message": "..."}`` with HTTP 4xx (a free key asking for a
paid endpoint). The free plan allows 5 calls a minute and serves data 12 weeks delayed; TOPIX
and investor types need at least the Light plan (as the service documents it).

Keys:

``"topix"``
    ``/v2/indices/bars/daily/topix``: rows ``Date, O, H, L, C``. Frame: float ``Open``,
    ``High``, ``Low``, ``Close`` (index points), index ``date``.
``"investor-types"``
    ``/v2/equities/investor-types``: one row per market section and week (``Section``,
    ``PubDate``, ``StDate``, ``EnDate``, then ``<Group>Sell/Buy/Tot/Bal`` in thousand yen).
    A week revised after April 2023 appears twice; the newer ``PubDate`` wins. Frame: the JPX
    source's layout, columns (market, investor, measure) in JPY billions, dated by ``EnDate``,
    ``net`` = buy - sell, with JPX's Banks and Institutions summed from their parts.
"""

from __future__ import annotations

import json
from datetime import timedelta
from urllib.parse import quote

import numpy as np
import pandas as pd

from addin.errors import BadArgument, LayoutChanged, NoData, SourceUnavailable
from addin.polite import Limits
from addin.sources._cells import numbers
from addin.sources.base import DAILY, FRESHEST, Credential, File, Origin, SeriesSpec, Source

NAME = "J-Quants"
HOME = "https://jpx-jquants.com/"
API = "https://api.jquants.com/v2"
PATHS = {"topix": "/indices/bars/daily/topix", "investor-types": "/equities/investor-types"}
KEY_SETTING = "JPFLOWS_JQUANTS_KEY"
EXPIRE = timedelta(hours=6)
MAX_PAGES = 200
DELAY_NOTE = "J-Quants free plan: data are 12 weeks delayed"

TOPIX_COLUMNS = {"O": "Open", "H": "High", "L": "Low", "C": "Close"}
SECTIONS = {"TokyoNagoya": "TokyoNagoya", "TSEPrime": "Prime", "TSEStandard": "Standard",
            "TSEGrowth": "Growth", "TSE1st": "First", "TSE2nd": "Second",
            "TSEMothers": "Mothers", "TSEJASDAQ": "JASDAQ"}
GROUPS = {"Prop": "Proprietary", "Brk": "Brokerage", "Tot": "Total", "Ind": "Individuals",
          "Frgn": "Foreigners", "SecCo": "Securities", "InvTr": "InvestmentTrusts",
          "BusCo": "BusinessCos", "OthCo": "OtherInstitutions", "InsCo": "LifeNonlife",
          "Bank": "CityRegionalBanks", "TrstBnk": "TrustBanks", "OthFin": "OtherFinancials"}
SUMS = (("Banks", ("LifeNonlife", "CityRegionalBanks", "TrustBanks", "OtherFinancials")),
        ("Institutions", ("InvestmentTrusts", "BusinessCos", "OtherInstitutions", "Banks")))
THOUSAND_YEN_PER_BN = 1e6


def url_for(key: str, pagination_key: str | None = None) -> str:
    """The endpoint of ``key``, for the page after ``pagination_key`` when given."""
    url = API + PATHS[key]
    return url if pagination_key is None else f"{url}?pagination_key={quote(pagination_key)}"


def download(key: str, get) -> tuple[str, tuple[bytes, ...]]:
    """Every page of ``key``: ``(key, (page, ...))``.

    Raises:
        BadArgument: ``key`` is not ``"topix"`` or ``"investor-types"``.
        LayoutChanged: pages that do not end, or a page that is not the API's JSON.
    """
    if key not in PATHS:
        raise BadArgument(f"J-Quants key {key[:20]!r} unknown; use 'topix' or 'investor-types'")
    pages, following = [], None
    for _ in range(MAX_PAGES):
        body = get(url_for(key, following), check=check_page, expire=EXPIRE)
        pages.append(body)
        following = _document(body).get("pagination_key") or None
        if following is None:
            return key, tuple(pages)
    raise LayoutChanged(f"J-Quants {key}: more than {MAX_PAGES} pages")


def check_page(body: bytes) -> None:
    """Refuse a page that is a refusal or not the API's JSON (so it is never cached)."""
    _rows(body)


def parse(raw) -> pd.DataFrame:
    """Turn ``(key, pages)`` from :func:`download` into the key's frame (see the module doc)."""
    key, pages = raw
    rows = [row for body in pages for row in _rows(body)]
    if not rows:
        raise NoData(f"J-Quants {key}: no rows")
    return _topix(rows) if key == "topix" else _investor_types(rows)


def _document(body: bytes) -> dict:
    try:
        doc = json.loads(body.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError):
        raise LayoutChanged("J-Quants: answer is not JSON") from None
    if not isinstance(doc, dict):
        raise LayoutChanged("J-Quants: answer is not a JSON object")
    return doc


def _rows(body: bytes) -> list[dict]:
    doc = _document(body)
    if "data" not in doc and "message" in doc:
        raise SourceUnavailable(f"J-Quants: {str(doc['message'])[:55]}")
    rows = doc.get("data")
    if not isinstance(rows, list) or not all(isinstance(row, dict) for row in rows):
        raise LayoutChanged("J-Quants: no 'data' list in the answer")
    return rows


def _table(rows: list[dict], wanted: tuple[str, ...], label: str) -> pd.DataFrame:
    table = pd.DataFrame(rows)
    missing = [name for name in wanted if name not in table.columns]
    if missing:
        raise LayoutChanged(f"J-Quants {label}: field {missing[0]} missing")
    return table


def _dates(cells: pd.Series, label: str) -> pd.DatetimeIndex:
    text = cells.astype(str).str.strip().str.replace("-", "", regex=False)
    stamps = pd.to_datetime(text, format="%Y%m%d", errors="coerce")
    if stamps.isna().any():
        raise LayoutChanged(f"J-Quants {label}: date {cells[stamps.isna()].iloc[0]!r}")
    return pd.DatetimeIndex(stamps, name="date")


def _topix(rows: list[dict]) -> pd.DataFrame:
    table = _table(rows, ("Date", *TOPIX_COLUMNS), "topix")
    values = {name: numbers(table[field], "J-Quants topix", ("", "None", "null"),
                            thousands=False) for field, name in TOPIX_COLUMNS.items()}
    frame = pd.DataFrame(values, index=_dates(table["Date"], "topix"))
    return frame[~frame.index.duplicated(keep="last")].sort_index()


def _investor_types(rows: list[dict]) -> pd.DataFrame:
    """Wide (market, investor, measure) frame; the latest publication of each week wins."""
    fields = tuple(f"{group}{side}" for group in GROUPS for side in ("Sell", "Buy"))
    table = _table(rows, ("Section", "PubDate", "EnDate", *fields), "investor-types")
    table = table.assign(_pub=_dates(table["PubDate"], "investor-types"),
                         _end=_dates(table["EnDate"], "investor-types"))
    table = table.sort_values("_pub", kind="stable").drop_duplicates(["Section", "_end"],
                                                                   keep="last")
    pieces = {}
    for section, part in table.groupby("Section", sort=False):
        pieces[SECTIONS.get(str(section), str(section))] = _market(part)
    frame = pd.concat(pieces, axis=1, names=["market", "investor", "measure"])
    return frame.sort_index().astype("float64")


def _market(part: pd.DataFrame) -> pd.DataFrame:
    """One section's weeks: sell, buy, net per investor, JPY billions."""
    index = pd.DatetimeIndex(part["_end"], name="date")
    sides = {}
    for group, investor in GROUPS.items():
        for side, measure in (("Sell", "sell"), ("Buy", "buy")):
            cells = numbers(part[f"{group}{side}"], "J-Quants investor-types", ("", "None"),
                            thousands=False)
            sides[(investor, measure)] = cells / THOUSAND_YEN_PER_BN
    for total, parts in SUMS:
        for measure in ("sell", "buy"):
            sides[(total, measure)] = np.sum([sides[(p, measure)] for p in parts], axis=0)
    columns = {}
    for investor in dict.fromkeys(name for name, _ in sides):
        sell, buy = sides[(investor, "sell")], sides[(investor, "buy")]
        columns.update({(investor, "sell"): sell, (investor, "buy"): buy,
                        (investor, "net"): buy - sell})
    return pd.DataFrame(columns, index=index)


SOURCE = Source(
    id="jquants", name=NAME, home=HOME, download=download, parse=parse,
    files=tuple(File(API + path, EXPIRE, f"API v2 {key}, paged by pagination_key",
                     note=DELAY_NOTE) for key, path in PATHS.items()),
    headline=("topix",),
    series=(SeriesSpec(
        "TOPIX", "TOPIX index close (J-Quants; Stooq ^tpx; or JPFLOWS_CSV_TOPIX)",
        "index points", DAILY, (Origin("jquants", "topix", "Close"),
                                Origin("stooq", "^tpx", "Close")), rule=FRESHEST,
        plausible=(10.0, 50_000.0)),),
    probe="topix", attribution="Source: JPX Market Innovation & Research (J-Quants)",
    credential=Credential(KEY_SETTING, header="x-api-key",
                          how="jpx-jquants.com: register, then Dashboard > API keys",
                          cost="free plan 12 weeks delayed; TOPIX and investor types from the "
                               "Light plan (paid)"),
    limits=Limits(in_flight=1, per_second=5 / 60),  # the free plan allows 5 calls a minute
)
