"""Every Excel function, called with anything Excel (or a user) could pass, answers with a cell value."""

from __future__ import annotations

import inspect
import math
import os
from datetime import date, datetime

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

import udfs
from addin import api

CELL = st.one_of(
    st.none(), st.booleans(), st.integers(-10**12, 10**12),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=30), st.sampled_from(["", " ", "JGB10Y", "TOPIX", "JPX:Foreigners", "net", "USD",
                                           "2025-08-26", "45900", "TRUE", "pct", "SOFR", "日本", "\x00"]),
    st.datetimes(min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30)),
    st.dates(), st.lists(st.floats(allow_nan=True), max_size=4),
    st.lists(st.lists(st.one_of(st.none(), st.floats(), st.text(max_size=5), st.datetimes()),
                      min_size=1, max_size=3), max_size=4),
)


def _is_cell_value(result) -> bool:
    if isinstance(result, (bool, int, float, str, datetime, date)):
        return not (isinstance(result, float) and math.isnan(result)) and result != ""
    if isinstance(result, list) and result and all(isinstance(r, list) for r in result):
        return all(isinstance(c, (bool, int, float, str, datetime, date)) for r in result for c in r)
    return False


@pytest.fixture(scope="module", autouse=True)
def offline_engine(tmp_path_factory):
    """No network and an empty cache: every data function must still answer with a reason."""
    saved = dict(os.environ)
    os.environ.update(JPFLOWS_OFFLINE="1", JPFLOWS_CACHE_DIR=str(tmp_path_factory.mktemp("cache")))
    api.use(None)
    yield
    os.environ.clear()
    os.environ.update(saved)
    api.use(None)


@pytest.mark.parametrize("name", sorted(udfs.REGISTERED))
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_udf__arbitrary_arguments_give_a_cell_value_never_an_exception(name, data):
    function = udfs.REGISTERED[name]
    count = len(inspect.signature(function).parameters)
    args = data.draw(st.lists(CELL, min_size=0, max_size=count))
    result = function(*args)
    assert _is_cell_value(result), (name, args, result)
    if isinstance(result, str) and result.startswith("#N/A"):
        assert len(result) <= 80 and "\n" not in result and "Traceback" not in result


def test_udf__offline_empty_cache_error_says_what_to_do():
    assert udfs.JP_VALUE("SOFR") == "#N/A FRED offline and nothing cached; unset JPFLOWS_OFFLINE"


def test_udf__unknown_series_points_to_search():
    assert udfs.JP_VALUE("JGB7y5") == '#N/A Unknown series "JGB7y5"; try JP_SEARCH("JGB")'


def test_udf__pure_arithmetic_works_offline():
    assert abs(udfs.JP_HEDGED_YIELD(1.13, 0.48, 4.30) - 4.952051708) < 1e-6
    assert udfs.JP_HEDGED_YIELD(1.13, 0.48, 4.30, 0) == "#N/A days must be a whole number 1..3650"
