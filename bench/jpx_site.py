"""Ten years of JPX weekly value files, with the index and yearly archive pages that list them.

Every file is a legacy ``stock_val_1_YYMMWW.xls`` workbook of the reported layout, written by the
test fixtures for one Monday-to-Friday week (the market sheets of its era), with the foreigners'
net buying of Tokyo & Nagoya drawn from a seeded walk. The index page lists the last five weeks
and links the yearly archive pages, as JPX's does.
"""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np

import bench  # noqa: F401  (puts the project root on sys.path for tests.fixtures)
from tests.fixtures import jpx as fx

LAST_FRIDAY = date(2026, 5, 15)  # the last week the real USDJPY (FRED DEXJPUS) covers
PRIME_START = date(2022, 4, 4)  # TSE Prime, Standard, Growth replace First, Second, Mothers
INDEX_URL = fx.INDEX_URL
ARCHIVE = fx.SITE + fx.PAGE_DIR + "00-00-archives-{:02d}.html"


def fridays(years: int, last: date = LAST_FRIDAY) -> list[date]:
    """The Fridays of the ``years`` years up to ``last``, oldest first."""
    count = round(years * 365.25 / 7)
    return [last - timedelta(weeks=n) for n in range(count - 1, -1, -1)]


def code(friday: date) -> str:
    """``YYMMWW``: the week of the month the file name numbers."""
    return f"{friday:%y%m}{(friday.day - 1) // 7 + 1:02d}"


def url(friday: date) -> str:
    return fx.SITE + fx.ATT + f"stock_val_1_{code(friday)}.xls"


def workbook(friday: date, net_billions: float) -> bytes:
    """One week's value workbook, the foreigners' net as given (JPY billions)."""
    names = fx.SHEETS_2022 if friday >= PRIME_START else fx.SHEETS_2013
    sheets = fx.default_sheets(names)
    sell = 30_000_000_000
    sheets["Tokyo & Nagoya"] = fx.scaled_leaves(1, (sell, sell + round(net_billions * 1e6)))
    return fx.legacy_xls(friday - timedelta(days=4), friday, int(code(friday)[-2:]), sheets)


def site(years: int = 10, last: date = LAST_FRIDAY) -> dict[str, bytes]:
    """URL -> bytes of the index page, the archive pages and every week's file."""
    weeks = fridays(years, last)
    nets = np.round(np.random.default_rng(523).normal(0.0, 300.0, len(weeks)), 3)
    bodies = {url(friday): workbook(friday, float(net)) for friday, net in zip(weeks, nets)}
    rows = {friday: fx.legacy_row(code(friday), f"{friday:%Y-%m-%d}") for friday in weeks}
    archives = tuple(range(last.year - weeks[0].year + 1))
    bodies[INDEX_URL] = fx.page([rows[friday] for friday in weeks[::-1][:5]], archives=archives)
    for number in archives:
        year = [rows[friday] for friday in weeks[::-1] if friday.year == last.year - number]
        bodies[ARCHIVE.format(number)] = fx.page(year)
    return bodies
