"""The VBA project that travels inside the template, assembled from module sources.

* ``xlwings`` and its ``Dictionary`` class: xlwings' standalone VBA, read from the installed
  xlwings' ``quickstart_standalone.xlsm``, so a workbook needs Python and the xlwings package,
  not the xlwings add-in;
* ``jpflows`` (``workbook/jpflows.bas``): one macro per button, each running its own function of
  the workbook's Python module, and the two hooks the wrappers call;
* ``xlwings_udfs``: the JP_* wrappers (:mod:`workbook.udf_wrappers`), so no cell shows ``#NAME?``;
* a document module for the workbook and for each sheet, named as their code names.

:mod:`workbook.vba_project` writes these as sources only; Office compiles them on opening.
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

from workbook import udf_wrappers
from workbook import vba_project as binary
from workbook.vba_project import DOCUMENT, STANDARD, Module

HERE = Path(__file__).resolve().parent
QUICKSTART = "quickstart_standalone.xlsm"
VBA_PART = "xl/vbaProject.bin"
MACROS = HERE / "jpflows.bas"
FROM_XLWINGS = ("xlwings", "Dictionary")
WORKBOOK_MODULE = "ThisWorkbook"
_VERSION = re.compile(r'^Public Const XLWINGS_VERSION As String = "([^"]+)"', re.M)
_SUB = re.compile(r"^Public Sub (\w+)\(\)(.*?)^End Sub", re.M | re.S)
_NAME = re.compile(r'^Attribute VB_Name = "[^"]*"', re.M)


def quickstart_path() -> Path:
    """The standalone quickstart workbook inside the installed xlwings package."""
    import xlwings

    return Path(xlwings.__file__).resolve().parent / QUICKSTART


def vba_project(source: Path | None = None) -> bytes:
    """The bytes of ``xl/vbaProject.bin`` from a workbook (default: xlwings' quickstart)."""
    with zipfile.ZipFile(source or quickstart_path()) as archive:
        return archive.read(VBA_PART)


def module_sources(project: bytes) -> dict[str, str]:
    """``{module name: VBA source}`` for every module of a ``vbaProject.bin``."""
    return {module.name: module.source for module in binary.read(project)}


def xlwings_version(source: str) -> str:
    """The version xlwings' VBA module was made for (its ``XLWINGS_VERSION`` constant)."""
    found = _VERSION.search(source)
    if not found:
        raise LookupError("the xlwings VBA module declares no XLWINGS_VERSION")
    return found.group(1)


def macros(source: str) -> dict[str, str]:
    """``{macro name: body}`` of the public parameterless Subs (what a button can run)."""
    return {name: body for name, body in _SUB.findall(source.replace("\r\n", "\n"))}


def renamed(source: str, name: str) -> str:
    """A module source with its ``VB_Name`` attribute set to ``name``."""
    return _NAME.sub(f'Attribute VB_Name = "{name}"', source, count=1)


def modules(entry_module: str, sheet_names: list[str], base: bytes) -> list[Module]:
    """Every module of the template's project, document modules first.

    Args:
        entry_module: The workbook's Python module (its file name without ``.xlsm``).
        sheet_names: The sheets' code names, in workbook order.
        base: The quickstart project the xlwings modules are read from.
    """
    found = {module.name: module for module in binary.read(base)}
    sheet = next(m for m in found.values() if m.kind == DOCUMENT and m.name != WORKBOOK_MODULE)
    documents = [Module(WORKBOOK_MODULE, DOCUMENT, found[WORKBOOK_MODULE].source),
                 *(Module(name, DOCUMENT, renamed(sheet.source, name)) for name in sheet_names)]
    wrappers = udf_wrappers.source(entry_module, f"{entry_module}.xlsm")
    return [*documents, *(found[name] for name in FROM_XLWINGS),
            Module("jpflows", STANDARD, MACROS.read_text(encoding="utf-8")),
            Module(udf_wrappers.MODULE_NAME, STANDARD, wrappers)]


def project(entry_module: str, sheet_names: list[str], base: bytes | None = None) -> bytes:
    """The template's ``vbaProject.bin`` (see :func:`modules`)."""
    base = vba_project(None) if base is None else base
    return binary.write(modules(entry_module, sheet_names, base), base)

