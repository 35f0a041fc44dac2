"""Cell-level helpers shared by the CSV sources."""

from __future__ import annotations

import pandas as pd

from addin.errors import LayoutChanged


def numbers(raw: pd.Series, label: str, missing: tuple[str, ...]) -> pd.Series:
    """Floats from text cells; the ``missing`` markers become NaN, anything else is an error.

    Raises:
        LayoutChanged: A cell is neither a number nor a missing marker (naming the value).
    """
    text = raw.astype(object).where(raw.notna(), "").astype(str).str.strip()
    absent = text.isin(missing)
    values = pd.to_numeric(text.where(~absent), errors="coerce")
    bad = values.isna() & ~absent
    if bad.any():
        raise LayoutChanged(f"{label}: value {text[bad].iloc[0][:15]!r} is not a number")
    return values.astype("float64")
