"""Politeness toward each publisher: how many requests at once, and how often.

Publishers state or enforce limits (FRED about two requests a second since 2026, the BOJ asks for
low-frequency access, JPX serves hundreds of files that must not be fetched all at once). A
source declares its limits (:class:`Limits`, on its declaration); the transport asks
:meth:`Politeness.slot` around each request, which waits for a free slot of the host and for the
host's minimum spacing between request starts. A ``Retry-After`` a publisher sends pushes the
host's next start back by that much (capped by the caller).
"""

from __future__ import annotations

import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Callable, Iterator
from urllib.parse import urlsplit


@dataclass(frozen=True)
class Limits:
    """A publisher's limits: requests in flight at once, and requests started per second."""

    in_flight: int = 4
    per_second: float | None = None


DEFAULT = Limits()


class _Host:
    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self.slots = threading.BoundedSemaphore(limits.in_flight)
        self.lock = threading.Lock()
        self.next_start = 0.0


class Politeness:
    """Per-host slots and spacing, shared by every thread of one engine."""

    def __init__(self, limits_for: Callable[[str], Limits] | None = None,
                 clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self.limits_for = limits_for or (lambda host: DEFAULT)
        self.clock, self.sleep = clock, sleep
        self._hosts: dict[str, _Host] = {}
        self._guard = threading.Lock()

    def _host(self, url: str) -> _Host:
        host = urlsplit(url).hostname or ""
        with self._guard:
            found = self._hosts.get(host)
            if found is None:
                found = self._hosts[host] = _Host(self.limits_for(host))
            return found

    @contextmanager
    def slot(self, url: str) -> Iterator[None]:
        """Hold one of the host's request slots, started no sooner than its spacing allows."""
        host = self._host(url)
        with host.slots:
            self._wait_turn(host)
            yield

    def _wait_turn(self, host: _Host) -> None:
        per_second = host.limits.per_second
        with host.lock:
            now = self.clock()
            start = max(now, host.next_start)
            host.next_start = start + (1.0 / per_second if per_second else 0.0)
        if start > now:
            self.sleep(start - now)

    def back_off(self, url: str, seconds: float) -> None:
        """The publisher asked for a pause (``Retry-After``): no new request to it before then."""
        host = self._host(url)
        with host.lock:
            host.next_start = max(host.next_start, self.clock() + seconds)
