"""Layers point one way: udfs -> addin.api -> calc/sources -> http; the engine never knows Excel."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def _engine_modules():
    return [p for p in (ROOT / "addin").rglob("*.py")]


def test_layers__addin_never_imports_xlwings():
    offenders = {p.name for p in _engine_modules() if any(
        n == "xlwings" or n.startswith("xlwings.") for n in _imports(p))}
    assert offenders == set()


def test_layers__importing_the_whole_engine_loads_no_xlwings():
    code = ("import sys, addin.api, addin.cli, addin.report, addin.engine, addin.http;"
            "from addin.sources import REGISTRY; [REGISTRY[s] for s in REGISTRY.ids()];"
            "print('xlwings' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert out.stdout.strip() == "False", out.stderr


def test_layers__only_the_cli_reaches_udfs_or_workbook():
    # The desk server serves the Excel functions themselves (udfs.REGISTERED), so its answers
    # are the desktop cells' by construction.
    allowed = {"cli.py", "server.py"}
    offenders = {p.name for p in _engine_modules() if p.name not in allowed and any(
        n.split(".")[0] in ("udfs", "workbook") for n in _imports(p))}
    assert offenders == set()


def test_layers__sources_and_calc_do_not_import_the_api():
    lower = list((ROOT / "addin" / "sources").glob("*.py")) + list((ROOT / "addin" / "calc").glob("*.py"))
    offenders = {p.name for p in lower if any(n in ("addin.api", "addin.engine") for n in _imports(p))}
    assert offenders == set()


def test_layers__udfs_use_the_api_not_the_engine_internals():
    offenders = {p.name for p in (ROOT / "udfs").glob("*.py") if any(
        n.startswith(("addin.sources", "addin.http", "addin.engine", "addin.calc"))
        for n in _imports(p))}
    assert offenders == set()


def test_layers__fastapi_is_loaded_only_by_the_server():
    code = ("import sys, udfs, addin.api, addin.cli, addin.http, addin.singleflight;"
            "print(sorted(m for m in ('fastapi', 'uvicorn', 'starlette') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert out.stdout.strip() == "[]", out.stderr
