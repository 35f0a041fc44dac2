"""The Lite edition (``workbook/lite/main.py``): generated from the desktop functions, and
answering their values through a live ``jpflows serve`` (here from plain CPython, through its
``urllib`` fallback; tests/test_lite_runtimes.py runs it in Pyodide and in Chromium)."""

from __future__ import annotations

import ast
import asyncio
import importlib.util
import inspect
import sys

import pytest

import udfs
from udfs.decorator import served
from addin.server import encode
from tests.fixtures.desk_data import CALLS
from tests.fixtures.desk_fixtures import desk, desktop, files, start_desk  # noqa: F401
from tests.fixtures.server import closed_port
from workbook import lite_edition

STDLIB_AND_LITE = {"json", "os", "asyncio", "urllib.error", "urllib.request", "xlwings",
                   "pyodide.http"}


def _load(monkeypatch, server: str | None, token: str | None = None):
    """main.py imported as a module of its own, with the Lite environment variables."""
    for name, value in (("JPFLOWS_SERVER", server), ("JPFLOWS_SERVER_TOKEN", token)):
        if value is None:
            monkeypatch.delenv(name, raising=False)
        else:
            monkeypatch.setenv(name, value)
    spec = importlib.util.spec_from_file_location("jpflows_lite_main", lite_edition.MAIN)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _run(module, name: str, args: list):
    """What the Lite function returns, or ("error", message) when it raises."""
    try:
        return asyncio.run(getattr(module, name)(*args))
    except module.JpflowsError as exc:
        return ("error", str(exc))


def _desktop_answer(desktop, name: str, args: list):
    value = encode(desktop[name](*args))
    return ("error", value) if isinstance(value, str) and value.startswith("#N/A") else value


def test_lite__main_py_is_the_generated_file():
    assert lite_edition.MAIN.read_text(encoding="utf-8") == lite_edition.render(), (
        "workbook/lite/main.py is out of date: run python -m workbook.lite_edition")


def test_lite__names_arguments_defaults_help_and_docstrings_match_the_desktop():
    tree = ast.parse(lite_edition.MAIN.read_text(encoding="utf-8"))
    found = {node.name: node for node in tree.body
             if isinstance(node, ast.AsyncFunctionDef) and node.name.startswith("JP_")}
    assert set(found) == set(served())  # every function a remote cell can call
    for name, function in served().items():
        node, signature = found[name], function.excel_signature
        assert [a.arg for a in node.args.args] == list(signature.parameters), name
        defaults = [ast.literal_eval(d) for d in node.args.defaults]
        wanted = [p.default for p in signature.parameters.values()
                  if p.default is not inspect.Parameter.empty]
        assert defaults == wanted, name
        assert inspect.cleandoc(ast.get_docstring(node)) == inspect.getdoc(function), name
        helps = {ast.literal_eval(d.args[0]): ast.literal_eval(d.keywords[0].value)
                 for d in node.decorator_list if isinstance(d, ast.Call)}
        assert helps == function.arg_docs, name


def test_lite__is_self_contained_pure_python():
    tree = ast.parse(lite_edition.MAIN.read_text(encoding="utf-8"))
    imported = {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import)
                for alias in node.names}
    imported |= {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    assert imported <= STDLIB_AND_LITE, imported - STDLIB_AND_LITE


def test_lite__requirements_name_only_xlwings():
    lines = [line for line in (lite_edition.LITE / "requirements.txt").read_text().splitlines()
             if line.strip() and not line.startswith("#")]
    assert lines == ["xlwings<1.0.0"]


@pytest.mark.parametrize("name,args", CALLS, ids=[f"{n}{i}" for i, (n, _) in enumerate(CALLS)])
def test_lite__answers_the_desktop_values(desk, desktop, monkeypatch, name, args):
    module = _load(monkeypatch, desk.base + "/")
    assert _run(module, name, args) == _desktop_answer(desktop, name, args)


def test_lite__a_failure_keeps_the_desktop_reason(desk, monkeypatch):
    module = _load(monkeypatch, desk.base)
    assert _run(module, "JP_VALUE", ["JGB7y5"]) == (
        "error", '#N/A Unknown series "JGB7y5"; try JP_SEARCH("JGB")')


def test_lite__a_refused_call_says_what_the_server_said(desk, monkeypatch):
    module = _load(monkeypatch, desk.base)
    kind, message = _run(module, "call", ["JP_CHANGE", "JGB10Y"])
    assert kind == "error" and message.startswith("JP_CHANGE: JP_CHANGE takes (series, ")


def test_lite__default_server_and_an_unreachable_one(monkeypatch):
    assert _load(monkeypatch, None).server_url() == "http://127.0.0.1:8765"
    module = _load(monkeypatch, f"http://127.0.0.1:{closed_port()}")
    kind, message = _run(module, "JP_VALUE", ["JGB10Y"])
    assert kind == "error" and "unreachable" in message and "JPFLOWS_SERVER" in message


def test_lite__sends_the_token_when_the_desk_requires_one(tmp_path_factory, files, monkeypatch):
    guarded = start_desk(tmp_path_factory, files, JPFLOWS_SERVER_TOKEN="lite-token")
    try:
        without = _run(_load(monkeypatch, guarded.base), "JP_HEDGED_YIELD", [1.13, 0.48, 4.3])
        with_token = _run(_load(monkeypatch, guarded.base, "lite-token"), "JP_HEDGED_YIELD",
                          [1.13, 0.48, 4.3])
    finally:
        guarded.stop()
    assert without[0] == "error" and "bearer token" in without[1]
    assert with_token == udfs.REGISTERED["JP_HEDGED_YIELD"](1.13, 0.48, 4.3)


def test_lite__dates_given_as_date_objects_travel_as_iso_text(desk, monkeypatch):
    from datetime import date

    module = _load(monkeypatch, desk.base)
    assert _run(module, "JP_VALUE", ["FRED:DGS5", date(2025, 9, 2)]) == 3.74
    assert sys.modules.get("pyodide.http") is None  # plain Python took the urllib path
