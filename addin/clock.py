"""The engine's one clock, injected: wall time for records and "today", a monotonic clock for
expiry windows. Tests hand the engine a :class:`FixedClock` instead of patching ``datetime``."""

from __future__ import annotations

import time
from datetime import date, datetime, timezone


class Clock:
    """The system's clocks."""

    _today: date | None = None
    _today_until = 0.0

    def now(self) -> datetime:
        """The current time, timezone-aware, in UTC."""
        return datetime.now(timezone.utc)

    def today(self) -> date:
        """Today's date where the user is (local time): what "latest" and "this year" mean."""
        # Asked on every yearly lookup: the calendar is read again at most once a second.
        if time.monotonic() >= self._today_until:
            self._today, self._today_until = date.today(), time.monotonic() + 1.0
        return self._today

    def monotonic(self) -> float:
        """Seconds on a clock that never goes back, for expiry windows."""
        return time.monotonic()


class FixedClock(Clock):
    """A clock that says what it is told; ``advance`` moves both of its clocks on."""

    def __init__(self, now: datetime, monotonic: float = 1000.0) -> None:
        self._now = now if now.tzinfo else now.replace(tzinfo=timezone.utc)
        self._monotonic = monotonic

    def now(self) -> datetime:
        return self._now

    def today(self) -> date:
        return self._now.date()

    def monotonic(self) -> float:
        return self._monotonic

    def advance(self, seconds: float) -> None:
        from datetime import timedelta

        self._now += timedelta(seconds=seconds)
        self._monotonic += seconds
