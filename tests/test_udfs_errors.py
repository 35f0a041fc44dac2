"""What a failing JP_* function hands Excel: ``#N/A <reason>`` text, or (``JPFLOWS_ERRORS=errors``)
the bare ``#N/A`` that the template's VBA wrapper makes a real error, with the reason kept per
calling cell for ``JP_ERROR``. Excel's side (the VBA, xlwings' COM call) is faked here: a calling
cell is an object with ``get_address``/``options`` as xlwings' ``Range`` has them.
"""

from __future__ import annotations

import pytest

import udfs
from addin import api
from addin.config import Config
from addin.errors import BadArgument
from udfs import failures

UNKNOWN = '#N/A Unknown series "JGB7y5"; try JP_SEARCH("JGB")'


class FakeCell:
    """The part of an xlwings Range that the functions use: its address and what it shows."""

    def __init__(self, address: str, shows=None):
        self.address, self.shows, self.read_with = address, shows, None

    def get_address(self, external=False):
        assert external, "the reason is kept per workbook and sheet, not per bare cell address"
        return self.address

    def options(self, **options):
        self.read_with = options
        return self

    @property
    def value(self):
        return self.shows


@pytest.fixture
def errors_mode(engine_env, monkeypatch):
    monkeypatch.setenv("JPFLOWS_ERRORS", "errors")
    monkeypatch.setattr(failures, "_reasons", type(failures._reasons)())
    api.use(None)
    yield
    api.use(None)


@pytest.fixture
def text_mode(engine_env, monkeypatch):
    monkeypatch.delenv("JPFLOWS_ERRORS", raising=False)
    api.use(None)
    yield
    api.use(None)


def test_text_mode__is_the_default_and_puts_the_reason_in_the_cell(text_mode):
    assert Config.from_env({}).errors == "text"
    assert udfs.JP_VALUE("JGB7y5") == UNKNOWN
    assert udfs.JP_ERROR(UNKNOWN) == 'Unknown series "JGB7y5"; try JP_SEARCH("JGB")'


def test_errors_mode__hands_back_the_bare_marker_the_vba_turns_into_na(errors_mode):
    caller = FakeCell("[desk.xlsm]Flows!$B$5")
    assert udfs.JP_VALUE("JGB7y5", None, caller) == failures.NA == "#N/A"
    shown = FakeCell("[desk.xlsm]Flows!$B$5", shows="#N/A")
    assert udfs.JP_ERROR(shown) == 'Unknown series "JGB7y5"; try JP_SEARCH("JGB")'
    assert shown.read_with == {"err_to_str": True}


def test_errors_mode__reasons_are_kept_per_calling_cell(errors_mode):
    udfs.JP_VALUE("JGB7y5", caller=FakeCell("[desk.xlsm]Flows!$B$5"))
    udfs.JP_HEDGED_YIELD(1.13, 0.48, 4.30, 0, 0, "USD", FakeCell("[desk.xlsm]Flows!$B$6:$C$6"))
    assert udfs.JP_ERROR(FakeCell("[desk.xlsm]Flows!$B$6", "#N/A")) == "days must be a whole number 1..3650"
    assert udfs.JP_ERROR(FakeCell("[desk.xlsm]Flows!$B$5", "#N/A")).startswith("Unknown series")
    assert udfs.JP_ERROR(FakeCell("[other.xlsm]Flows!$B$5", "#N/A")) == failures.NOT_RECORDED


def test_errors_mode__successes_are_untouched(errors_mode):
    assert udfs.JP_HEDGED_YIELD(1.13, 0.48, 4.30, 90, 0, "USD", FakeCell("[d.xlsm]S!$A$1")) == \
        pytest.approx(4.952051708, abs=1e-6)


def test_errors_mode__without_a_calling_cell_the_log_has_the_reason(errors_mode, monkeypatch, tmp_path):
    from udfs import decorator

    monkeypatch.setattr(decorator, "log_file", lambda: tmp_path / "jpflows.log")
    monkeypatch.setattr(decorator, "_log_ready", False)
    assert udfs.JP_VALUE("JGB7y5") == "#N/A"
    for handler in list(decorator.log.handlers):
        handler.flush()
        handler.close()
        decorator.log.removeHandler(handler)
    assert 'Unknown series "JGB7y5"' in (tmp_path / "jpflows.log").read_text()
    assert not failures._reasons


def test_errors_mode__memory_is_bounded(errors_mode, monkeypatch):
    monkeypatch.setattr(failures, "MAX_REMEMBERED", 3)
    for row in range(1, 6):
        udfs.JP_VALUE("JGB7y5", None, FakeCell(f"[d.xlsm]S!$A${row}"))
    assert list(failures._reasons) == ["[d.xlsm]S!$A$3", "[d.xlsm]S!$A$4", "[d.xlsm]S!$A$5"]


@pytest.mark.parametrize("shows, expected", [
    (4.95, "OK"), (None, "OK"), ("JGB10Y", "OK"), ([[1.0, 2.0]], "OK"),
    ("#VALUE!", "#VALUE! is Excel's own error, not a jpflows failure"),
    ("#N/A", failures.NOT_RECORDED), ([["#N/A No data before 1974-09-24"]], "No data before 1974-09-24"),
])
def test_jp_error__reads_what_the_cell_shows(text_mode, shows, expected):
    assert udfs.JP_ERROR(FakeCell("[d.xlsm]S!$A$1", shows)) == expected
    assert udfs.JP_ERROR(shows) == expected  # a plain value, as the formula evaluator passes it


def test_setting__anything_but_text_or_errors_is_refused():
    assert Config.from_env({"JPFLOWS_ERRORS": " Errors "}).errors == "errors"
    with pytest.raises(BadArgument, match='JPFLOWS_ERRORS must be "text" or "errors"'):
        Config.from_env({"JPFLOWS_ERRORS": "numbers"})


def test_setting__a_bad_value_shows_in_every_cell_as_text(engine_env, monkeypatch):
    monkeypatch.setenv("JPFLOWS_ERRORS", "numbers")
    api.use(None)
    try:
        assert udfs.JP_VALUE("JGB10Y").startswith('#N/A JPFLOWS_ERRORS must be "text" or "errors"')
    finally:
        api.use(None)


def test_caller__is_xlwings_reserved_last_argument_never_an_excel_one():
    import inspect

    for name, function in udfs.REGISTERED.items():
        parameters = list(inspect.signature(function).parameters)
        assert parameters[-1] == "caller" and parameters[:-1] == list(function.arg_docs), name


def test_caller__one_argument_too_many_is_still_an_error(text_mode):
    assert udfs.JP_STATUS(None, "surplus") == "#N/A internal error; details in the jpflows log"


def test_errors_mode__a_remote_call_keeps_the_reason_in_its_answer(errors_mode):
    from udfs.failures import remote_call

    with remote_call():
        answer = udfs.JP_VALUE("JGB7y5")
    assert answer.startswith('#N/A Unknown series "JGB7y5"')
    assert udfs.JP_VALUE("JGB7y5") == "#N/A"
