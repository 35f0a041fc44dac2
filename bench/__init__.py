"""Benchmarks for the performance contract of SPEC section 9.

``python -m bench.run`` (or ``jpflows bench``) serves publisher files from a local HTTP server,
measures every figure against a baseline taken in the same run, prints one line per figure and
writes ``docs/benchmarks.md``.
"""

import sys
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[1]

# The benchmarks reuse the test suite's publisher server and file builders, which live beside
# this package in a source checkout; ``jpflows bench`` starts from anywhere.
if str(PROJECT) not in sys.path:
    sys.path.insert(0, str(PROJECT))
