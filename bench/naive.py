"""The baseline the contract compares a warm lookup with: a UDF that reads the file every call.

Each function opens the publisher file from disk, parses it with ``pandas.read_csv`` and looks
the date up, which is what a spreadsheet function without a memo would do.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pandas as pd

from bench.data import week_label


def _last_on_or_before(dates: pd.Series, values: pd.Series, when: datetime) -> float:
    kept = values[(dates <= pd.Timestamp(when)) & values.notna()]
    return float(kept.loc[dates[kept.index].idxmax()])


def fred_value(path: Path, when: datetime) -> float:
    """A ``fredgraph.csv``: date column then one value column."""
    table = pd.read_csv(path, na_values=["", "."])
    dates = pd.to_datetime(table.iloc[:, 0], format="%Y-%m-%d")
    return _last_on_or_before(dates, table.iloc[:, 1], when)


def jgb_value(path: Path, when: datetime, tenor: str = "10Y") -> float:
    """``jgbcme_all.csv``: a title row, then ``Date,1Y,...``; ``-`` is a missing tenor."""
    table = pd.read_csv(path, skiprows=1, na_values=["-"])
    dates = pd.to_datetime(table["Date"], format="%Y/%m/%d")
    return _last_on_or_before(dates, table[tenor], when)


def treasury_value(path: Path, when: datetime, tenor: str = "5 Yr") -> float:
    """One Treasury year, newest day first, ``MM/DD/YYYY`` dates."""
    table = pd.read_csv(path)
    dates = pd.to_datetime(table["Date"], format="%m/%d/%Y")
    return _last_on_or_before(dates, table[tenor], when)


def mof_flow(path: Path, when: datetime, field: int = 14) -> float:
    """``week.csv``: find the week's label and read a field (14: non-residents' net equity)."""
    table = pd.read_csv(path, encoding="cp932", header=None, skiprows=14, thousands=",")
    start = pd.Timestamp(when) - pd.Timedelta(days=(pd.Timestamp(when).day_of_week + 1) % 7)
    row = table[table[0] == week_label(start)]
    return float(row.iloc[0, field]) / 10.0  # 100 million yen -> billions
