"""The Excel registration contract, generated with xlwings' own Windows code path.

pywin32 does not exist on Linux, so its modules are stubbed just enough for ``xlwings.udfs`` to
import; xlwings' real ``xlfunc``/``xlarg`` then decorate the functions and its VBA generator writes
the wrappers Excel would get.
"""

from __future__ import annotations

import importlib
import io
import sys
import types

import pytest
import xlwings

UDF_MODULES = ("udfs.functions", "udfs.analytics", "udfs.discovery", "udfs")


def _stub_pywin32(monkeypatch) -> None:
    pythoncom = types.ModuleType("pythoncom")
    pythoncom.CoInitialize = lambda: None
    pythoncom.IID_IDispatch = object()
    client = types.ModuleType("win32com.client")
    client.Dispatch = lambda *a, **k: None
    win32com = types.ModuleType("win32com")
    win32com.client = client
    for name, module in {"pythoncom": pythoncom, "pywintypes": types.ModuleType("pywintypes"),
                         "win32com": win32com, "win32com.client": client}.items():
        monkeypatch.setitem(sys.modules, name, module)


@pytest.fixture
def registered(monkeypatch):
    """The ``udfs`` package as Windows Excel registers it; restored afterwards."""
    _stub_pywin32(monkeypatch)
    monkeypatch.delitem(sys.modules, "xlwings.udfs", raising=False)
    xl_udfs = importlib.import_module("xlwings.udfs")
    monkeypatch.setattr(xlwings, "func", xl_udfs.xlfunc)
    monkeypatch.setattr(xlwings, "arg", xl_udfs.xlarg)
    modules = [importlib.reload(importlib.import_module(name)) for name in UDF_MODULES]
    yield xl_udfs, modules[-1]
    monkeypatch.undo()
    for name in UDF_MODULES:
        importlib.reload(importlib.import_module(name))


def _vba(xl_udfs, module) -> str:
    out = io.StringIO()
    book = types.SimpleNamespace(Name="jpflows_template.xlsm")
    xl_udfs.generate_vba_wrapper("udfs", module, out, book)
    return out.getvalue()


def test_registration__every_jp_function_gets_a_vba_wrapper(registered):
    xl_udfs, module = registered
    vba = _vba(xl_udfs, module)
    for name in sorted(module.REGISTERED):
        assert f"Function {name}(" in vba, name
        assert f'XLPy.CallUDF("udfs", "{name}"' in vba


def test_registration__argument_names_and_optionals_match_python(registered):
    xl_udfs, module = registered
    vba = _vba(xl_udfs, module)
    assert "Function JP_VALUE(series, Optional on_date)" in vba
    assert "Function JP_RALLY(series_or_range, Optional low_start, Optional low_end, Optional as_of)" in vba
    assert ("Function JP_HEDGED_SPREAD(asset, benchmark, Optional on_date, Optional days, "
            "Optional basis_bp)") in vba
    assert "Function JP_FLOW_SUM(investor, start_date, Optional end_date, Optional market, Optional ccy)" in vba
    assert "Function JP_STATUS()" in vba


def test_registration__category_wizard_and_volatility(registered):
    _, module = registered
    for name in sorted(module.REGISTERED):
        meta = getattr(module, name).__xlfunc__
        assert meta["category"] == "jpflows"
        assert meta["call_in_wizard"] is False
        assert meta["volatile"] is False


def test_registration__every_function_and_argument_is_documented(registered):
    _, module = registered
    for name in sorted(module.REGISTERED):
        meta = getattr(module, name).__xlfunc__
        assert "Example: =" + name in meta["ret"]["doc"], name
        for arg in meta["args"]:
            assert not arg["doc"].startswith("Positional argument"), (name, arg["name"])
            assert len(arg["doc"]) <= 255  # Excel's limit for an argument description


def test_registration__package_exports_every_function():
    import udfs

    assert set(udfs.REGISTERED) == set(udfs.__all__) - {"REGISTERED"}
    assert len(udfs.REGISTERED) == 22


# Words VBA reserves (statements, types, operators): a wrapper argument named like one of them
# does not compile, and then no JP_* function works in that workbook.
VBA_RESERVED = {
    "alias", "and", "as", "base", "binary", "boolean", "byref", "byte", "byval", "call", "case",
    "cbool", "cbyte", "ccur", "cdate", "cdbl", "cdec", "cint", "clng", "compare", "const", "csng",
    "cstr", "currency", "cvar", "date", "decimal", "declare", "dim", "do", "double", "each",
    "else", "elseif", "empty", "end", "enum", "eqv", "erase", "error", "event", "exit", "false",
    "for", "friend", "function", "get", "global", "gosub", "goto", "if", "imp", "implements",
    "in", "input", "integer", "is", "len", "let", "lib", "like", "lock", "long", "longlong",
    "longptr", "loop", "lset", "me", "mid", "mod", "new", "next", "not", "nothing", "null", "object",
    "on", "open", "option", "optional", "or", "paramarray", "preserve", "print", "private",
    "property", "public", "raiseevent", "redim", "rem", "resume", "return", "rset", "seek",
    "select", "set", "single", "static", "step", "stop", "string", "sub", "text", "then", "time",
    "to", "true", "type", "typeof", "until", "variant", "wend", "while", "with", "withevents",
    "write", "xor",
}


def test_registration__no_argument_is_named_like_a_vba_keyword():
    import inspect

    import udfs

    for name, function in udfs.REGISTERED.items():
        clashes = set(inspect.signature(function).parameters) & VBA_RESERVED
        assert not clashes, (name, clashes)
