"""What every parsed frame must satisfy before the engine serves it, whatever its source.

Lookups binary-search the dates, so dates that are out of order or repeated give silently wrong
answers; a file published for one year that holds another year's dates (a Treasury year file
of 2025 holding 2024) overwrites that year when the pieces are joined; a value outside the range
declared with its series or flow (``plausible``: a yield in basis points, a -999 sentinel) is a
changed file, not a number. So a frame is refused, as :class:`~addin.errors.LayoutChanged`, when
its dates are not strictly ascending and unique, when a yearly source's file holds a date outside
its year, or when a declared column holds an implausible value. :func:`guarded` applies the same
rules inside a source's own check, so such a file is refused before it is stored and the last good
copy stays in use.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Callable

import numpy as np
import pandas as pd

from addin import shape
from addin.errors import LayoutChanged
from addin.sources import REGISTRY
from addin.sources.base import Source

Range = tuple[float, float]


def guarded(check: Callable | None, source: Source, key: str) -> Callable | None:
    """``check`` that also refuses a file whose frame (if it returns one) breaks the rules."""
    if check is None:
        return None

    def checked(body: bytes):
        shape.check(body, source.shape, source.name)
        result = check(body)
        if isinstance(result, pd.DataFrame):
            verify(result, source, key)
        return result

    return checked


def verify(frame: pd.DataFrame, source: Source, key: str) -> pd.DataFrame:
    """``frame`` itself when it keeps the rules.

    Raises:
        LayoutChanged: Dates out of order or repeated; a yearly file's date outside its year; a
            value outside its series' or flow's plausible range.
    """
    label = f"{source.name} {key}".strip()
    index = frame.index
    if not isinstance(index, pd.DatetimeIndex) or index.hasnans:
        raise LayoutChanged(f"{label}: rows without a readable date")
    if not (index.is_monotonic_increasing and index.is_unique):
        raise LayoutChanged(f"{label}: dates out of order or repeated")
    _in_year(index, source, key, label)
    _plausible(frame, source.id, key, label)
    return frame


def _in_year(index: pd.DatetimeIndex, source: Source, key: str, label: str) -> None:
    if source.yearly is None or not str(key).isdigit() or not len(index):
        return
    year = int(key)
    if index[0].year != year or index[-1].year != year:
        stray = index[0] if index[0].year != year else index[-1]
        raise LayoutChanged(f"{label}: the {year} file holds {stray:%Y-%m-%d}")


def _plausible(frame: pd.DataFrame, source_id: str, key: str, label: str) -> None:
    series, flows = _declared(source_id)
    if not series and not flows:
        return
    # One array for the whole frame: a JPX week's frame is checked for some twenty investors,
    # and a pandas selection per investor cost more than parsing the file.
    numbers = frame.to_numpy(dtype="float64", na_value=np.nan)
    columns = frame.columns
    for (origin_key, column), bounds in series.items():
        if origin_key in (None, key) and column in columns:
            _within(numbers[:, columns.get_indexer([column])], frame.index, bounds,
                    f"{label}: {column}")
    if flows and isinstance(columns, pd.MultiIndex):
        investors = columns.get_level_values(1)
        for (flow_key, investor), bounds in flows.items():
            picked = investors == investor
            if flow_key == key and picked.any():
                _within(numbers[:, picked], frame.index, bounds, f"{label}: {investor}")


def _within(numbers: np.ndarray, index: pd.Index, bounds: Range, label: str) -> None:
    low, high = bounds
    outside = ~np.isnan(numbers) & ((numbers < low) | (numbers > high))
    if outside.any():
        row, column = np.argwhere(outside)[0]
        raise LayoutChanged(f"{label} {numbers[row, column]:g} on {index[row]:%Y-%m-%d} "
                            f"outside the plausible {low:g}..{high:g}")


@lru_cache(maxsize=None)
def _declared(source_id: str) -> tuple[dict, dict]:
    """The plausible ranges that concern a source's frames, from every declaration.

    Returns ``({(key or None, column): range}, {(key, investor): range})``: a series may read a
    column of another publisher's file (a UST series reads FRED's DGS10 too), so every source's
    series are looked at; two series on one column keep the wider range.
    """
    series: dict = {}
    for source in REGISTRY.sources():
        for spec in source.series:
            for origin in spec.origins:
                if spec.plausible is not None and origin.source == source_id:
                    spot = (origin.key, origin.column)
                    series[spot] = _wider(series.get(spot), spec.plausible)
    flows = {(origin.key, origin.column): spec.plausible for source in REGISTRY.sources()
             for spec in source.flows if spec.plausible is not None
             for origin in getattr(spec, "all_origins", ()) if origin.source == source_id}
    return series, flows


def _wider(old: Range | None, new: Range) -> Range:
    return new if old is None else (min(old[0], new[0]), max(old[1], new[1]))
