"""Answers remembered by their arguments, for as long as the frames they were read from hold.

Excel recalculates a sheet by calling the same formulas with the same arguments again and again.
:class:`Answers` keeps each answer with the frames its computation read (the engine reports each
one). Until the first of them is due for its recheck the answer is simply given again; after
that, the frames are rechecked (usually a glance at the persisted store) and the answer is given
again only if every one is still the very frame it was computed from, on the same day. Any frame
installed or replaced voids everything remembered before it, since an answer may have read a
different origin for want of that frame. Failures are not remembered, and an answer that got
past one (a second origin answering while the first is down) holds only until the failed one is
due to be asked again.
"""

from __future__ import annotations

import math
import threading
from typing import Any, Callable

LIMIT = 20_000  # answers kept; past this all go, and each is computed again on demand


class _Answer:
    __slots__ = ("generation", "until", "frames", "today", "value")

    def __init__(self, generation: int, frames: dict, today, value) -> None:
        self.generation, self.frames, self.today, self.value = generation, frames, today, value
        self.until = _earliest(frames)


def _earliest(frames: dict) -> float:
    """The earliest recheck time of ``frames`` (no frame: never)."""
    until = math.inf
    for frame in frames.values():
        if frame.recheck_at < until:
            until = frame.recheck_at
    return until


class _Retry:
    """A failure an answer got past: the answer holds until ``recheck_at``, then is computed
    again (the failed frame may answer by then, and it comes first)."""

    __slots__ = ("recheck_at",)

    def __init__(self, recheck_at: float) -> None:
        self.recheck_at = recheck_at


class _Thread(threading.local):
    """What one thread's computations under way have read, and the frames it installed."""

    def __init__(self) -> None:
        self.stack: list[dict] = []
        self.mine = 0


class Answers:
    """One engine's remembered answers; thread-safe.

    Args:
        monotonic: The engine's monotonic clock.
        today: The engine's calendar (an answer for "this year" is not given again tomorrow).
        reload: ``reload(frame) -> frame``: the engine's current frame for the same source key,
            rechecked if due.
    """

    def __init__(self, monotonic: Callable[[], float], today: Callable, reload: Callable) -> None:
        self._monotonic, self._today, self._reload = monotonic, today, reload
        self._found: dict[Any, _Answer] = {}
        self.generation = 0
        self._computing = 0  # computations under way in any thread (so a hit may skip the stack)
        self._local = _Thread()
        self._lock = threading.Lock()

    def get(self, key, compute: Callable, *args, **kwargs):
        """``compute(*args, **kwargs)``, remembered under ``key`` (unhashable: not remembered)."""
        try:
            hit = self._found.get(key)
        except TypeError:  # a range of cells as an argument: computed every time
            return compute(*args, **kwargs)
        if hit is not None and hit.generation == self.generation and (
                self._monotonic() < hit.until or self._still_holds(hit)):
            if self._computing and self._local.stack:  # one built on this holds no longer
                self._local.stack[-1].update(hit.frames)
            return hit.value
        return self._computed(key, compute, args, kwargs)

    def touched(self, frame) -> None:
        """``frame`` was read by the computation under way in this thread (if any)."""
        stack = self._local.stack
        if stack:
            stack[-1][id(frame)] = frame

    def failed(self, retry_at: float) -> None:
        """A frame the computation under way in this thread needed could not be had; the
        failure is asked again at ``retry_at``."""
        stack = self._local.stack
        if stack:
            retry = _Retry(retry_at)
            stack[-1][id(retry)] = retry

    def _count(self, step: int) -> None:
        with self._lock:
            self._computing += step

    def forget(self) -> None:
        """Drop every remembered answer (each is computed again when next asked)."""
        self._found.clear()

    def changed(self) -> None:
        """A frame was installed or replaced: nothing remembered so far may be answered again."""
        with self._lock:
            self.generation += 1
        self._local.mine += 1

    def _computed(self, key, compute: Callable, args, kwargs):
        local = self._local
        generation, mine, today, stack = self.generation, local.mine, self._today(), local.stack
        stack.append({})
        self._count(1)
        try:
            value = compute(*args, **kwargs)
        finally:
            self._count(-1)
            frames = stack.pop()
            if stack:  # an answer built on this one holds no longer than it
                stack[-1].update(frames)
        if self.generation - generation == local.mine - mine:
            generation = self.generation  # every frame installed meanwhile was one it read
        if len(self._found) >= LIMIT:
            self._found.clear()
        self._found[key] = _Answer(generation, frames, today, value)
        return value

    def _still_holds(self, hit: _Answer) -> bool:
        """Recheck the frames of ``hit``: True when each is unchanged and the day the same."""
        if self._today() != hit.today:
            return False
        try:
            for frame in list(hit.frames.values()):
                if isinstance(frame, _Retry):
                    if self._monotonic() >= frame.recheck_at:
                        return False
                elif self._reload(frame) is not frame:
                    return False
        except Exception:  # a frame that cannot be had: computing again says why
            return False
        hit.until = _earliest(hit.frames)
        return hit.generation == self.generation

