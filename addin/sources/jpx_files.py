"""What both JPX file layouts share: file names, investor names, and the checked one-row frame.

The helpers turn labels into stable investor names and checked thousand-yen figures into the
frame of :mod:`addin.sources.jpx` (which describes it and its names).
"""

from __future__ import annotations

import calendar
import functools
import re
import unicodedata
from datetime import date

import numpy as np
import pandas as pd

from addin.errors import LayoutChanged

THOUSAND_YEN_PER_BILLION = 1e6
MEASURES = ("sell", "buy", "net")
COLUMN_LEVELS = ("market", "investor", "measure")
TOLERANCE = 1.0  # thousand yen: each printed figure is rounded on its own

LEGACY_WEEKLY = re.compile(r"stock_val_1_(\d{2})(\d{2})(\d{2})\.xls$")
LEGACY_MONTHLY = re.compile(r"stock_val_1_m(\d{2})(\d{2})\.xls$")
NEW_WEEKLY = re.compile(r"stock_1_w_(\d{8})_(\d{8})\.xlsx$")
NEW_MONTHLY = re.compile(r"stock_1_m(\d{4})(\d{2})\.xlsx$")

JAPANESE_NAMES = {
    "自己計": "Proprietary", "委託計": "Brokerage", "総計": "Total", "法人": "Institutions",
    "個人": "Individuals", "海外投資家": "Foreigners", "証券会社": "Securities",
    "投資信託": "InvestmentTrusts", "事業法人": "BusinessCos", "その他法人等": "OtherInstitutions",
    "金融機関": "Banks", "生保・損保": "LifeNonlife", "都銀・地銀等": "CityRegionalBanks",
    "信託銀行": "TrustBanks", "その他金融機関": "OtherFinancials",
    "銀行": "AllBanks",  # ETF and REIT files: city, regional and trust banks in one group
}
ENGLISH_NAMES = {
    "proprietary": "Proprietary", "brokerage": "Brokerage", "total": "Total",
    "institutions": "Institutions", "individuals": "Individuals", "foreigners": "Foreigners",
    "securitiescos": "Securities", "investmenttrusts": "InvestmentTrusts",
    "businesscos": "BusinessCos", "otherinstitutions": "OtherInstitutions",
    "othercos": "OtherInstitutions", "financialinstitutions": "Banks",
    "lifenonlifeinsurance": "LifeNonlife", "insurancecos": "LifeNonlife",
    "cityregionalbks": "CityRegionalBanks", "citybksregionalbksetc": "CityRegionalBanks",
    "trustbks": "TrustBanks", "trustbanks": "TrustBanks",
    "otherfinancialinstitutions": "OtherFinancials",
}
# New-layout groups that split one legacy category: (parent prefix, part word) -> name.
SPLIT_NAMES = {
    ("自己", "現金"): "ProprietaryCash", ("自己", "信用"): "ProprietaryMargin",
    ("個人", "現金"): "IndividualsCash", ("個人", "信用"): "IndividualsMargin",
    ("海外投資家", "法人"): "ForeignersCorporate", ("海外投資家", "個人"): "ForeignersIndividual",
}
NEW_GROUPS = frozenset({*SPLIT_NAMES.values(), "Securities", "InvestmentTrusts", "BusinessCos",
                        "OtherInstitutions", "LifeNonlife", "CityRegionalBanks", "TrustBanks",
                        "OtherFinancials"})
@functools.lru_cache(maxsize=512)  # the same few labels recur on every sheet of every file
def investor_name(japanese: object, english: object = "") -> str:
    """Stable ASCII name of an investor label; an unknown one becomes CamelCase ("" if no ASCII)."""
    jp, en = japanese_key(japanese), _english_key(english) or _english_key(japanese)
    if jp in JAPANESE_NAMES:
        return JAPANESE_NAMES[jp]
    if en in ENGLISH_NAMES:
        return ENGLISH_NAMES[en]
    return camel_case(english) or camel_case(japanese)


def group_name(parent: object, part: object) -> str:
    """Stable name of a new-layout group from its parent (row 3) and part (row 5) labels."""
    head, word = japanese_key(parent), japanese_key(part)
    for (parent_prefix, part_word), split in SPLIT_NAMES.items():
        if head.startswith(parent_prefix) and part_word in word:
            return split
    return investor_name(part)


def camel_case(text: object) -> str:
    """``"Securities Cos."`` -> ``"SecuritiesCos"``: the ASCII words of ``text``, capitalised."""
    words = re.findall(r"[A-Za-z0-9]+", unicodedata.normalize("NFKC", str(text or "")))
    return "".join(word[:1].upper() + word[1:] for word in words)


def row_values(keys: list, sell: np.ndarray, buy: np.ndarray) -> dict[tuple, float]:
    """``{(market, investor, measure): JPY billions}`` from thousand-yen sales and purchases.

    Args:
        keys: ``(market, investor)`` of each position of ``sell`` and ``buy``.
        sell: Sales in thousand yen.
        buy: Purchases in thousand yen.
    """
    sell, buy = np.asarray(sell, dtype="float64"), np.asarray(buy, dtype="float64")
    table = np.column_stack([sell, buy, buy - sell]) / THOUSAND_YEN_PER_BILLION
    columns = [(market, investor, measure) for market, investor in keys for measure in MEASURES]
    return dict(zip(columns, table.ravel().tolist()))


def rows_frame(rows: dict[date, dict]) -> pd.DataFrame:
    """The JPX frame from ``{period end: row_values(...)}``: ascending ``date`` index, float64."""
    frame = pd.DataFrame.from_dict(rows, orient="index")
    frame.columns = pd.MultiIndex.from_tuples(frame.columns, names=COLUMN_LEVELS)
    frame.index = pd.DatetimeIndex(frame.index, name="date").as_unit("us")  # as other sources
    return frame.sort_index().sort_index(axis=1).astype("float64")


def check_triplets(name: str, where: np.ndarray, sell, buy, total, balance=None) -> None:
    """Raise ``LayoutChanged`` unless sell + buy = total and buy - sell = balance (if given)."""
    bad = np.isnan(sell) | np.isnan(buy) | np.isnan(total)
    if bad.any():
        raise LayoutChanged(f"JPX {name}: no number at {where[bad.argmax()]}")
    checks = [("Total!=sell+buy", np.abs(sell + buy - total) > TOLERANCE)]
    if balance is not None:
        checks.append(("Balance!=buy-sell", np.abs(balance - (buy - sell)) > TOLERANCE))
    for what, wrong in checks:
        if wrong.any():
            raise LayoutChanged(f"JPX {name}: {what} at {where[wrong.argmax()]}")


def cell_text(value: object) -> str:
    """A cell as stripped text; an empty cell is ``""``."""
    return "" if value is None else str(value).strip()


def squeezed(text: object) -> str:
    """A label as NFKC text without any space: ``"合計 Total "`` -> ``"合計Total"``."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", str(text or "")))


def japanese_key(text: object) -> str:
    """The leading non-ASCII run of a label, all spaces removed: ``総　計 Total`` -> ``総計``."""
    return re.match(r"[^\x00-\x7f]*", squeezed(text)).group(0)


def _english_key(text: object) -> str:
    return re.sub(r"[^a-z0-9]", "", unicodedata.normalize("NFKC", str(text or "")).lower())


def ymd(digits: str) -> date | None:
    """``"20260911"`` -> 2026-09-11; ``None`` when the digits are not a calendar date."""
    try:
        return date(int(digits[:4]), int(digits[4:6]), int(digits[6:]))
    except ValueError:
        return None


def month_end(year: int, month: int) -> date:
    """The last calendar day of a month."""
    return date(year, month, calendar.monthrange(year, month)[1])
