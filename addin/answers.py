"""Answers remembered by their arguments, for as long as the frames they were read from hold.

Excel recalculates a sheet by calling the same formulas with the same arguments again and again.
:class:`Answers` keeps each answer with the earliest moment one of the frames it read is due for
its recheck (the engine reports every frame a computation touches); any frame installed or
replaced since makes every answer computed before it void. Within those bounds a remembered
answer is exactly what computing it again would give. Failures are not remembered.
"""

from __future__ import annotations

import math
import threading
from typing import Any, Callable

LIMIT = 20_000  # answers kept; past this all go, and each is computed again on demand


class Answers:
    """One engine's remembered answers; thread-safe."""

    def __init__(self, monotonic: Callable[[], float]) -> None:
        self._monotonic = monotonic
        self._found: dict[Any, tuple[int, float, Any]] = {}
        self.generation = 0
        self._local = threading.local()
        self._lock = threading.Lock()

    def get(self, key, compute: Callable, *args, **kwargs):
        """``compute(*args, **kwargs)``, remembered under ``key`` (unhashable: not remembered)."""
        try:
            hit = self._found.get(key)
        except TypeError:  # a range of cells as an argument: computed every time
            return compute(*args, **kwargs)
        if hit is not None and hit[0] == self.generation and self._monotonic() < hit[1]:
            return hit[2]
        generation, mine = self.generation, self._mine()
        stack = self._stack()
        stack.append(math.inf)
        try:
            value = compute(*args, **kwargs)
        finally:
            until = stack.pop()
            if stack:  # an answer built from another one holds no longer than that one
                stack[-1] = min(stack[-1], until)
        if self.generation - generation == self._mine() - mine:
            generation = self.generation  # every frame installed meanwhile was one it read
        if len(self._found) >= LIMIT:
            self._found.clear()
        self._found[key] = (generation, until, value)
        return value

    def touched(self, recheck_at: float) -> None:
        """A frame due for its recheck at ``recheck_at`` was read by the computation under way."""
        stack = getattr(self._local, "stack", None)
        if stack and recheck_at < stack[-1]:
            stack[-1] = recheck_at

    def changed(self) -> None:
        """A frame was installed or replaced: nothing remembered so far may be answered again."""
        with self._lock:
            self.generation += 1
        self._local.mine = self._mine() + 1

    def _mine(self) -> int:
        """Frames installed by this thread (by the computations it ran)."""
        return getattr(self._local, "mine", 0)

    def _stack(self) -> list[float]:
        stack = getattr(self._local, "stack", None)
        if stack is None:
            stack = self._local.stack = []
        return stack
