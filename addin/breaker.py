"""A circuit breaker for a shared cache that stops answering.

A Redis that refuses connections fails fast, but one that accepts and then says nothing (a full
network buffer, a ``DEBUG SLEEP``, a frozen VM) costs a whole socket timeout on every access, two
per file and recheck. After one such timeout the :class:`Breaker` opens: for
:data:`OPEN_SECONDS` the store uses a cache in memory instead and does not try the server; then
the next access tries it again, and another timeout opens the breaker again.
"""

from __future__ import annotations

import sys
import threading
import time
from typing import Callable

OPEN_SECONDS = 30.0


class Breaker:
    """Closed (use the server) or open until a time (use memory)."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self._until = 0.0
        self._lock = threading.Lock()

    @property
    def open(self) -> bool:
        return self.clock() < self._until

    def trip(self) -> bool:
        """Open for :data:`OPEN_SECONDS`; True when it was closed until now (worth a warning)."""
        with self._lock:
            was_closed = not self.open
            self._until = self.clock() + OPEN_SECONDS
            return was_closed


def is_stall(exc: BaseException) -> bool:
    """Whether ``exc`` is a shared cache that did not answer in time or could not be reached."""
    errors = sys.modules.get("redis.exceptions")  # no Redis in use unless redis was imported
    return errors is not None and isinstance(exc, (errors.TimeoutError, errors.ConnectionError))
