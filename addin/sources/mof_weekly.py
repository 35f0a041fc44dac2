"""MOF weekly portfolio flows: 対外及び対内証券売買契約等の状況 (``week.csv``).

Designated major investors' cross-border securities trades, one row per Sunday-to-Saturday week
since 2005-01-02, in one CP932 CSV that MOF rewrites every Thursday (revisions included).

The frame is indexed by the Saturday that ends each week. Columns are ``(market, investor,
measure)`` with market ``"All"``:

* ``Resident:*``: residents' trades in **foreign** securities (outward, the file's fields 1-11);
* ``Foreign:*``: non-residents' trades in **Japanese** securities (inward, fields 12-22);

each for ``Equity``, ``LongTermDebt`` and ``ShortTermDebt`` with measures ``buy`` (acquisition),
``sell`` (disposition) and ``net``, plus ``Total`` with ``net`` only. The file's equity + long-term
subtotal is checked but not kept. Unit: JPY billions (the file's 100 million yen divided by 10).
"""

from __future__ import annotations

import csv
import datetime
import io
import re
import unicodedata
from collections.abc import Iterable

import numpy as np
import pandas as pd

from addin.errors import LayoutChanged
from addin.sources._cells import numbers
from addin.sources.base import WEEKLY, File, FlowSpec, Source

NAME = "MOF weekly"
HOME = ("https://www.mof.go.jp/english/policy/international_policy/reference/"
        "itn_transactions_in_securities/index.htm")
URL = (
    "https://www.mof.go.jp/policy/international_policy/reference/"
    "itn_transactions_in_securities/week.csv"
)
EXPIRE = datetime.timedelta(hours=6)
FILE = "MOF week.csv"
FIELDS = 23
TOLERANCE = 2.0  # the published nets and totals are rounded separately from their parts

UNIT = re.compile(r"Unit\s*:\s*100\s+million\s+Yen", re.IGNORECASE)
FINAL_UPDATE = re.compile(r"Final\s+Update.*", re.IGNORECASE | re.DOTALL)
# Matched after NFKC, which turns the full-width ．～ and digits into ASCII; the wave dash
# U+301C (what Shift_JIS rather than CP932 decoders give) has no ASCII twin, so it is listed.
PERIOD = re.compile(
    r"\s*(?P<y1>\d{4})\s*\.\s*(?P<m1>\d{1,2})\s*\.\s*(?P<d1>\d{1,2})\s*[~\u301c]\s*"
    r"(?:(?P<y2>\d{4})\s*\.\s*)?(?P<m2>\d{1,2})\s*\.\s*(?P<d2>\d{1,2})\s*"
)
_EXAMPLE = "2025．9．28～10．4"

# Offsets inside one side's 11 fields: equity a/d/n, long-term a/d/n, subtotal, short-term
# a/d/n, total.
_SIDES = (("Resident", 1), ("Foreign", 12))
_ASSETS = (("Equity", 0), ("LongTermDebt", 3), ("ShortTermDebt", 7))
_MEASURES = ("buy", "sell", "net")
_SUBTOTAL, _TOTAL = 6, 10


def download(key: str, get) -> bytes:
    """Fetch ``week.csv``.

    Args:
        key: Ignored; the source is one file (pass ``""``).
        get: The injected HTTP getter.

    Returns:
        The file's bytes, checked by :func:`parse` before they are cached.
    """
    return get(URL, check=parse, expire=EXPIRE)


def parse(raw: bytes) -> pd.DataFrame:
    """Turn ``week.csv`` bytes into weekly flows.

    Args:
        raw: The bytes of ``week.csv`` (CP932).

    Returns:
        JPY billions, columns ``(market, investor, measure)``, index ``date`` = week end.

    Raises:
        LayoutChanged: The bytes do not have the MOF weekly layout, or a row's nets and totals
            do not add up.
    """
    records = _records(raw)
    first, end = _week_span(records)
    if not any(UNIT.search(cell) for record in records[:first] for cell in record):
        raise LayoutChanged(f"{FILE}: header 'Unit: 100 million Yen' not found")
    rows = records[first:end]
    widths = sorted({len(row) for row in rows})
    if widths != [FIELDS]:
        raise LayoutChanged(f"{FILE}: expected {FIELDS} fields per week, found {widths}")
    labels = [row[0] for row in rows]
    values = _numbers(rows, labels)
    _check_identities(values, labels)
    return _frame(values, week_ends(labels))


def week_ends(labels: Iterable[str]) -> pd.DatetimeIndex:
    """The Saturday ending each period label, e.g. ``2025．12．28～2026．1．3`` -> 2026-01-03.

    Args:
        labels: Period labels as printed in field 0 (full-width or ASCII ``.``/``~``, wave dash
            U+FF5E or U+301C, optional end year, optional spaces).

    Returns:
        The end dates, named ``date``.

    Raises:
        LayoutChanged: A label is not a period, or not a Sunday-to-Saturday week.
    """
    labels = pd.Series(list(labels), dtype=object)
    ascii_labels = labels.str.normalize("NFKC")
    matched = ascii_labels.str.fullmatch(PERIOD.pattern)
    if not matched.all():
        raise LayoutChanged(f"{FILE}: period {labels[~matched].iloc[0]!r} not like {_EXAMPLE}")
    numbers = ascii_labels.str.extract(PERIOD.pattern).astype("float64")
    # Without an end year the week ends in the start's year, or the next one across New Year.
    end_year = numbers["y2"].fillna(numbers["y1"] + (numbers["m2"] < numbers["m1"]))
    start = _dates(numbers["y1"], numbers["m1"], numbers["d1"])
    end = _dates(end_year, numbers["m2"], numbers["d2"])
    is_week = ((end - start) == pd.Timedelta(days=6)) & (start.dt.day_of_week == 6)
    if not is_week.all():
        raise LayoutChanged(f"{FILE}: {labels[~is_week].iloc[0]} is not a Sunday-Saturday week")
    return pd.DatetimeIndex(end, name="date")


def final_update(body: bytes) -> str | None:
    """The header's "Final Update" note, e.g. ``"Final Update September 17 , 2026"``.

    Args:
        body: The bytes of ``week.csv``.

    Returns:
        The note with runs of spaces collapsed, or None when the header has none.
    """
    text = body.decode("cp932", errors="replace")
    for record in csv.reader(io.StringIO(text, newline="")):
        if record and PERIOD.fullmatch(_nfkc(record[0])):
            return None  # the header is over
        for cell in record:
            found = FINAL_UPDATE.search(cell)
            if found:
                return " ".join(found.group().split())
    return None


def _records(raw: bytes) -> list[list[str]]:
    """The file's CSV records (header cells hold quoted newlines, so not line by line)."""
    if raw.lstrip().startswith(b"<"):
        raise LayoutChanged(f"{FILE}: got an HTML page, not CSV")
    try:
        text = raw.decode("cp932")
    except UnicodeDecodeError:
        raise LayoutChanged(f"{FILE}: not CP932 (Shift_JIS) text") from None
    try:
        return list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error as error:
        raise LayoutChanged(f"{FILE}: unreadable CSV ({str(error)[:30]})") from None


def _week_span(records: list[list[str]]) -> tuple[int, int]:
    """First week record and the record after the last one (the blank trailer record)."""
    firsts = pd.Series([record[0] if record else "" for record in records], dtype=object)
    is_week = firsts.str.normalize("NFKC").str.fullmatch(PERIOD.pattern).to_numpy(dtype=bool)
    if not is_week.any():
        raise LayoutChanged(f"{FILE}: no week label like {_EXAMPLE} found")
    first = int(is_week.argmax())
    end = first + int(is_week[first:].argmin()) if not is_week[first:].all() else len(records)
    if end < len(records) and any(cell.strip() for cell in records[end]):
        raise LayoutChanged(f"{FILE}: unexpected record after week {records[end - 1][0]}")
    if is_week[end:].any():
        raise LayoutChanged(f"{FILE}: week records after the trailer")
    return first, end


def _numbers(rows: list[list[str]], labels: list[str]) -> np.ndarray:
    """Fields 1-22 as floats (``"1,689 "`` -> 1689); an empty cell is NaN."""
    per_week = FIELDS - 1
    values = numbers(np.asarray(rows, dtype=object)[:, 1:], FILE,
                     where=lambda at: f"(week {labels[at // per_week]})")
    matrix = values.reshape(len(rows), per_week)
    return np.column_stack([np.full(len(rows), np.nan), matrix])  # keep field numbers


def _check_identities(values: np.ndarray, labels: list[str]) -> None:
    """net = acquisition - disposition; subtotal = equity + long-term; total = subtotal + short."""
    broken = np.zeros(len(values), dtype=bool)
    for _, start in _SIDES:
        side = values[:, start : start + 11]
        gaps = [side[:, a] - side[:, a + 1] - side[:, a + 2] for _, a in _ASSETS]
        gaps.append(side[:, 2] + side[:, 5] - side[:, _SUBTOTAL])
        gaps.append(side[:, _SUBTOTAL] + side[:, 9] - side[:, _TOTAL])
        broken |= (np.abs(np.column_stack(gaps)) > TOLERANCE).any(axis=1)  # NaN never breaks
    if broken.any():
        raise LayoutChanged(f"{FILE}: nets/totals do not add up in week {labels[broken.argmax()]}")


def _frame(values: np.ndarray, index: pd.DatetimeIndex) -> pd.DataFrame:
    """The published columns, in JPY billions, ascending by week."""
    keys, fields = [], []
    for side, start in _SIDES:
        for asset, offset in _ASSETS:
            keys += [("All", f"{side}:{asset}", measure) for measure in _MEASURES]
            fields += [start + offset + i for i in range(3)]
        keys.append(("All", f"{side}:Total", "net"))
        fields.append(start + _TOTAL)
    columns = pd.MultiIndex.from_tuples(keys, names=["market", "investor", "measure"])
    frame = pd.DataFrame(values[:, fields] / 10.0, index=index, columns=columns)
    if frame.index.has_duplicates:
        twice = frame.index[frame.index.duplicated()][0]
        raise LayoutChanged(f"{FILE}: week ending {twice:%Y-%m-%d} appears twice")
    return frame.sort_index()


def _dates(years: pd.Series, months: pd.Series, days: pd.Series) -> pd.Series:
    """Timestamps from float parts; an impossible date (Feb 30) is NaT."""
    parts = pd.DataFrame({"year": years, "month": months, "day": days})
    return pd.to_datetime(parts, errors="coerce")


def _nfkc(text: str) -> str:
    """Full-width digits and punctuation as ASCII."""
    return unicodedata.normalize("NFKC", text)


ASSET_WORDS = {"Equity": "equities", "LongTermDebt": "long-term debt",
               "ShortTermDebt": "short-term debt", "Total": "securities (total)"}
SIDE_WORDS = {"Foreign": "Non-residents' net purchases of Japanese {}",
              "Resident": "Residents' net purchases of foreign {}"}


def _flows() -> tuple[FlowSpec, ...]:
    return tuple(FlowSpec(f"MOF:{side}:{asset}", text.format(words) + " (MOF weekly)",
                          "mof_weekly", "", f"{side}:{asset}", WEEKLY,
                          plausible=(-500_000.0, 500_000.0))  # JPY bn a week
                 for side, text in SIDE_WORDS.items() for asset, words in ASSET_WORDS.items())


SOURCE = Source(
    id="mof_weekly", name=NAME, home=HOME, download=download, parse=parse,
    files=(File(URL, EXPIRE, "rewritten every Thursday, revisions included"),),
    headline=("",), flows=_flows(), probe="",
    attribution="Source: Ministry of Finance Japan",
)
