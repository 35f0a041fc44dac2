"""Argument helpers shared by the query modules: choices, required dates, windows."""

from __future__ import annotations

from functools import lru_cache

from addin import dates
from addin.errors import BadArgument


def choice(text, allowed: tuple[str, ...], what: str) -> str:
    """``text`` matched case-insensitively against ``allowed``, in its canonical spelling."""
    found = _canonical(text, allowed) if isinstance(text, str) else None
    if found is None:
        raise BadArgument(f'{what} "{str(text)[:12]}" not allowed; use ' + ", ".join(allowed))
    return found


@lru_cache(maxsize=1024)  # the same few spellings come from every cell of a sheet
def _canonical(text: str, allowed: tuple[str, ...]) -> str | None:
    wanted = text.strip().lower()
    return next((option for option in allowed if option.lower() == wanted), None)


def optional_choice(text, allowed: tuple[str, ...], what: str, default: str) -> str:
    """:func:`choice`, with ``default`` for a blank or missing argument."""
    return default if dates.is_blank(text) else choice(text, allowed, what)


def required_day(when, example: str = "2025-01-01") -> int:
    """The day number of a date argument that must be given."""
    day = dates.day_number(when)
    if day is None:
        raise BadArgument(f'start date is required, e.g. "{example}"')
    return day


def ordered(start: int | None, end: int | None) -> None:
    """Refuse a window whose start comes after its end."""
    if start is not None and end is not None and start > end:
        raise BadArgument(f"start {dates.ymd(start)} is after end {dates.ymd(end)}")
