"""The questions jpflows answers, grouped by topic, each a function of an explicit engine.

``series`` (values, tables, changes, spreads), ``ranges`` (rally, low, high, drawdown, record),
``flows``, ``hedging`` and ``provenance`` (info, status, refresh, search). :mod:`addin.api` binds
them to the process's default engine.
"""
