"""The Dashboard recalculated: 1,000 of its formula calls warm, and once after the recheck window."""

from __future__ import annotations

import statistics
import time

from addin import api
from addin.clock import Clock
from addin.config import Config
from addin.engine import Engine
from bench import sheet
from bench.harness import call_times_ns
from bench.report import Figure

MIXED_TARGET_MS = 50.0
RECALC_TARGET_MS = 20.0


class LaterClock(Clock):
    """The system's clocks, the monotonic one moved on by :meth:`advance` (as idle time passes)."""

    def __init__(self) -> None:
        self.offset = 0.0

    def monotonic(self) -> float:
        return time.monotonic() + self.offset

    def advance(self, seconds: float) -> None:
        self.offset += seconds


def mixed_calls(count: int, rounds: int, naive_us: float) -> Figure:
    """``count`` calls cycling through the Dashboard's formulas, one by one as Excel calls them."""
    formulas = sheet.dashboard()  # the first recalculation loads every source
    failures = sheet.failed(formulas)
    calls = [formulas[i % len(formulas)] for i in range(count)]
    total_ms = statistics.median(call_times_ns(lambda: [call() for call in calls], rounds)) / 1e6
    baseline_ms = naive_us * count / 1e3
    return Figure(f"{count:,} Dashboard formula calls", total_ms, "ms", baseline_ms,
                  f"{count:,} × naive per-call read", baseline_ms / total_ms, "× faster",
                  f"≤ {MIXED_TARGET_MS:g} ms", total_ms <= MIXED_TARGET_MS and not failures,
                  "; ".join(failures)[:300] or f"{len(formulas)} formulas")


def after_recheck(rounds: int) -> Figure:
    """A Dashboard recalculation each time the recheck window has passed, against one within it."""
    clock = LaterClock()
    engine = Engine(Config.from_env(), clock=clock)
    api.use(engine)
    try:
        formulas = sheet.dashboard()
        warm = statistics.median(call_times_ns(lambda: sheet.recalculate(formulas), rounds))
        later = []
        for _ in range(rounds):
            clock.advance(engine.config.recheck_seconds + 1)
            later += call_times_ns(lambda: sheet.recalculate(formulas), 1)
        failures = sheet.failed(formulas)
    finally:
        api.use(None)
    value, baseline = statistics.median(later) / 1e6, warm / 1e6
    return Figure("Dashboard recalculation after the recheck window", value, "ms", baseline,
                  "the same recalculation within the window", value / baseline, "× of baseline",
                  f"≤ {RECALC_TARGET_MS:g} ms", value <= RECALC_TARGET_MS and not failures,
                  "; ".join(failures)[:300] or f"{len(formulas)} formulas, "
                  f"{engine.config.recheck_seconds + 1:g} s later each time")
