"""The one memory of recent failures: what failed, why, and until when it is not asked again.

A publisher that is down must not be asked once per Excel cell. The HTTP layer remembers a failed
URL, the engine a (source, key) whose download or parse failed; both use one :class:`Failures`
owned by the engine, on its clock, and an explicit Refresh forgets everything.
"""

from __future__ import annotations

import threading
from typing import Hashable

from addin.clock import Clock
from addin.errors import AddinError


class Failures:
    """Failures keyed by anything hashable, each remembered for ``seconds``."""

    def __init__(self, seconds: float, clock: Clock | None = None) -> None:
        self.seconds = seconds
        self.clock = clock or Clock()
        self._failed: dict[Hashable, tuple[float, AddinError]] = {}
        self._lock = threading.Lock()

    def remember(self, key: Hashable, error: AddinError) -> None:
        with self._lock:
            self._failed[key] = (self.clock.monotonic() + self.seconds, error)

    def recent(self, key: Hashable) -> AddinError | None:
        """The error of a failure still inside its window, or ``None``."""
        found = self._failed.get(key)
        if found is None or self.clock.monotonic() >= found[0]:
            return None
        return found[1]

    def forget(self, key: Hashable) -> None:
        with self._lock:
            self._failed.pop(key, None)

    def clear(self) -> None:
        with self._lock:
            self._failed.clear()

    def keys(self) -> list[Hashable]:
        return list(self._failed)
