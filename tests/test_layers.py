"""Layers point one way: udfs -> addin.api -> queries -> engine -> sources/calc -> http.

The import graph is read from the code itself: every ``import`` and ``from ... import`` (relative
ones too, and those inside functions), ``importlib.import_module``/``__import__`` of a literal, and
the module names a registry lists as text. It must have no cycle, the engine never knows Excel, and
no production module imports the tests or names a publisher's URL outside ``addin/sources``.
"""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PRODUCTION = ("addin", "udfs", "workbook")
PUBLISHER_HOSTS = re.compile(
    r"https?://(?:www\.)?(?:mof\.go\.jp|fred\.stlouisfed|home\.treasury|stat-search\.boj|"
    r"jpx\.co\.jp|stooq|indexes\.nikkei|markets\.newyorkfed|api\.jquants)")


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _modules() -> dict[str, Path]:
    return {_module_name(p): p for top in PRODUCTION for p in (ROOT / top).rglob("*.py")}


def _absolute(node: ast.ImportFrom, module: str, is_package: bool) -> str:
    if node.level == 0:
        return node.module or ""
    base = module.split(".")
    base = base if is_package else base[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


def imports(path: Path, known: set[str] | None = None) -> set[str]:
    """Every module ``path`` imports, in any of the forms Python allows."""
    module, known = _module_name(path), known or set()
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            target = _absolute(node, module, path.name == "__init__.py")
            submodules = {f"{target}.{alias.name}" for alias in node.names}
            found = submodules & known
            names.update(found)
            if len(found) < len(submodules):
                names.add(target)
        elif isinstance(node, ast.Call) and _dynamic_import(node):
            names.add(node.args[0].value)
        elif isinstance(node, (ast.Dict, ast.List, ast.Tuple, ast.Set)):
            names.update(_listed_modules(node, known))  # a registry naming modules it imports
    return names


def _listed_modules(node, known: set[str]) -> set[str]:
    items = node.values if isinstance(node, ast.Dict) else node.elts
    return {item.value for item in items if isinstance(item, ast.Constant)
            and isinstance(item.value, str) and item.value in known}


def _dynamic_import(node: ast.Call) -> bool:
    func = node.func
    name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
    return (name in ("import_module", "__import__") and node.args
            and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str))


def _graph() -> dict[str, set[str]]:
    modules = _modules()
    known = set(modules)
    return {name: {n for n in imports(path, known) if n in known and n != name}
            for name, path in modules.items()}


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle, as the list of modules around it, or ``None``."""
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for child in sorted(graph[node]):
            if state.get(child) == 1:
                return stack[stack.index(child):] + [child]
            if child not in state and (found := visit(child)):
                return found
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (found := visit(node)):
            return found
    return None


def test_imports__every_form_is_seen(tmp_path):
    package = tmp_path / "addin"
    (package / "sub").mkdir(parents=True)
    for name in ("__init__.py", "sub/__init__.py", "sub/a.py", "b.py"):
        (package / name).write_text("", encoding="utf-8")
    source = package / "sub" / "c.py"
    source.write_text(
        "import addin.b as bee\nfrom . import a\nfrom ..b import thing\nfrom addin.sub import a, x\n"
        "def later():\n    import json\n    importlib.import_module('addin.b')\n"
        "MODULES = {'one': 'addin.sub.a'}\nlog = getLogger('addin.sub.d')\n", encoding="utf-8")
    known = {"addin", "addin.b", "addin.sub", "addin.sub.a", "addin.sub.c", "addin.sub.d"}
    global ROOT
    saved, ROOT = ROOT, tmp_path
    try:
        found = imports(source, known)
    finally:
        ROOT = saved
    assert found == {"addin.b", "addin.sub.a", "addin.sub", "json"}


def test_cycle__is_found():
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": set()}) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b"}, "b": set()}) is None


def test_layers__no_import_cycle_in_production_code():
    assert _cycle(_graph()) is None


def test_layers__addin_never_imports_xlwings():
    offenders = {name for name, path in _modules().items() if name.startswith("addin") and any(
        n == "xlwings" or n.startswith("xlwings.") for n in imports(path))}
    assert offenders == set()


def test_layers__importing_the_whole_engine_loads_no_xlwings():
    code = ("import sys, addin.api, addin.cli, addin.report, addin.engine, addin.http;"
            "from addin.sources import REGISTRY; [REGISTRY[s] for s in REGISTRY.ids()];"
            "print('xlwings' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert out.stdout.strip() == "False", out.stderr


def test_layers__only_the_faces_reach_udfs_or_workbook():
    # The command line, and the desk server, which serves the Excel functions themselves
    # (udfs.REGISTERED), so its answers are the desktop cells' by construction.
    allowed = {"addin.cli", "addin.server"}
    offenders = {name for name, targets in _graph().items() if name.startswith("addin.")
                 and name not in allowed and any(t.split(".")[0] in ("udfs", "workbook")
                                                 for t in targets)}
    assert offenders == set()


def test_layers__sources_and_calc_do_not_import_upwards():
    upper = ("addin.api", "addin.engine", "addin.queries", "addin.origins", "addin.http")
    offenders = {name for name, targets in _graph().items()
                 if name.startswith(("addin.sources", "addin.calc"))
                 and any(t.startswith(upper) for t in targets)}
    assert offenders == set()


def test_layers__udfs_use_the_api_not_the_engine_internals():
    internals = ("addin.sources", "addin.http", "addin.engine", "addin.calc", "addin.queries",
                 "addin.transport", "addin.cache")
    offenders = {name for name, targets in _graph().items() if name.startswith("udfs")
                 and any(t.startswith(internals) for t in targets)}
    assert offenders == set()


def test_layers__production_code_never_imports_the_tests():
    offenders = {name for name, path in _modules().items()
                 if any(n == "tests" or n.startswith("tests.") for n in imports(path))}
    assert offenders == set()


def test_layers__publisher_urls_live_only_in_their_sources():
    offenders = {name for name, path in _modules().items() if not name.startswith("addin.sources")
                 and PUBLISHER_HOSTS.search(path.read_text(encoding="utf-8"))}
    assert offenders == set()


def test_layers__fastapi_is_loaded_only_by_the_server():
    code = ("import sys, udfs, addin.api, addin.cli, addin.http, addin.singleflight;"
            "print(sorted(m for m in ('fastapi', 'uvicorn', 'starlette') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert out.stdout.strip() == "[]", out.stderr
