"""Every Excel function, every date argument, every edge of the calendar, over the real files.

Year 1, 9999-12-31, Excel's first and last serials, the first and last days the engine represents
(1678-01-01, 2261-12-31) and ranges holding such dates go into each date parameter of each
``JP_*`` function in turn, the other arguments being ordinary. Each call must answer with a value
or a short ``#N/A`` reason; an internal error (logged with its traceback) fails the test.
"""

from __future__ import annotations

import inspect
import logging
from datetime import date, datetime


EDGES = [1, 59, 61, 2958465, 0.5, "0001-01-01", "9999-12-31", "1678-01-01", "1678-01-03",
         "2261-12-31", "2261-12-30", "1700-06-30", "2200-01-01", date(1, 1, 1),
         date(9999, 12, 31), datetime(1900, 1, 1), "10000101", "99991231", "2958465",
         [[datetime(1900, 1, 1), 1.0], [datetime(9999, 12, 31), 2.0]],
         [[1, 1.0], [2958465, 2.0]],
         [[datetime(1678, 1, 2), 1.0], [datetime(1678, 1, 3), 2.0]],
         [[datetime(2261, 12, 30), 1.0], [datetime(2261, 12, 31), 2.0]],
         [[datetime(2025, 1, 2), 1.0], [datetime(2025, 1, 2), 2.0]]]
ORDINARY = {"series": "SOFR", "series_a": "TOPIX", "series_b": "NIKKEI225",
            "series_or_range": "USDJPY", "investor": "BOP:Foreign:Equity", "asset": "JGB5Y",
            "benchmark": "UST5Y", "yield_pct": 1.0, "asset_rate": 0.5, "home_rate": 4.0,
            "days": 3650, "years": 100, "window": 1000}


class _Tracebacks(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.seen: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.exc_info:
            self.seen.append(f"{record.getMessage()[:120]}: {record.exc_info[1]!r}"[:240])


def test_every_date_parameter_of_every_function_at_the_calendar_edges(real_engine, monkeypatch):
    import udfs
    from udfs import decorator

    tracebacks = _Tracebacks()
    monkeypatch.setattr(decorator, "_log_ready", True)  # no log file: the handler below listens
    decorator.log.addHandler(tracebacks)
    try:
        calls = 0
        for name, function in sorted(udfs.REGISTERED.items()):
            params = list(inspect.signature(function).parameters)
            for edged in params:
                for edge in EDGES:
                    args = [edge if p == edged else ORDINARY.get(p) for p in params]
                    result = function(*args)
                    calls += 1
                    assert not (isinstance(result, str) and "internal error" in result), (
                        name, edged, edge, result)
    finally:
        decorator.log.removeHandler(tracebacks)
    assert calls > 1000
    assert tracebacks.seen == []
