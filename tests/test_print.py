"""What a colleague prints: the template's snapshot and the report workbook, rendered by LibreOffice.

Both are computed from the real publisher files (served locally), converted to PDF by LibreOffice
and read back as text: every sheet must fit its one page, and nothing may print an Excel error
from arithmetic on a failure (``#VALUE!``) or a number nobody formatted (``0.443081738585291``).
"""

from __future__ import annotations

import re
import shutil

import openpyxl
import pytest

from addin import cli
from workbook import evaluate, layout, render, snapshot

pytestmark = pytest.mark.skipif(
    render.office() is None or shutil.which("pdftotext") is None,
    reason="LibreOffice (soffice) or poppler's pdftotext is not installed; .ci/run installs them")

ARITHMETIC_ERRORS = ("#VALUE!", "#DIV/0!", "#REF!", "#NAME?", "#NUM!")
# Five or more decimals is a number printed in General format, not one a person chose to show.
RAW_FLOAT = re.compile(r"(?<![\w.])-?\d+\.\d{5,}(?!\w)")


@pytest.fixture(scope="module")
def printed_snapshot(real_engine, tmp_path_factory):
    """(sheet names, text of each PDF page) of the template's snapshot."""
    folder = tmp_path_factory.mktemp("snapshot")
    sheets = layout.sheets()
    values, _ = evaluate.evaluate(sheets)
    rows = snapshot.provenance(snapshot.template_formulas(sheets))
    book = snapshot.snapshot_values(sheets, values, rows, folder / "snapshot.xlsx")
    return openpyxl.load_workbook(book).sheetnames, render.pages(render.to_pdf(book, folder))


@pytest.fixture(scope="module")
def printed_report(real_engine, tmp_path_factory):
    """(sheet names, text of each PDF page) of ``jpflows report --xlsx``."""
    folder = tmp_path_factory.mktemp("report")
    book = folder / "monitor.xlsx"
    cli.main(["report", "--as-of", "2025-09-30", "--xlsx", str(book)])
    return openpyxl.load_workbook(book).sheetnames, render.pages(render.to_pdf(book, folder))


@pytest.fixture(params=["printed_snapshot", "printed_report"])
def printed(request):
    return request.getfixturevalue(request.param)


def test_print__no_more_pages_than_sheets(printed):
    names, pages = printed
    assert 0 < len(pages) <= len(names), f"{len(pages)} pages for the sheets {names}"


def test_print__no_arithmetic_on_failures(printed):
    _, pages = printed
    found = {(n, error) for n, page in enumerate(pages, 1) for error in ARITHMETIC_ERRORS
             if error in page}
    assert found == set(), "page, error"


def test_print__every_number_has_a_format(printed):
    _, pages = printed
    raw = {(n, m) for n, page in enumerate(pages, 1) for m in RAW_FLOAT.findall(page)}
    assert raw == set(), "page, unformatted number"


def test_print__snapshot_prints_each_sheet_on_its_own_page(printed_snapshot):
    names, pages = printed_snapshot
    titles = {sheet.name: next(c.content for c in sheet.cells if c.style == "title")
              for sheet in layout.sheets() if any(c.style == "title" for c in sheet.cells)}
    titles["Provenance"] = "Provenance: where every number comes from"
    assert [name for name, page in zip(names, pages) if titles[name] not in page] == []


def test_print__report_chart_shares_the_page_of_its_values(printed_report):
    _, pages = printed_report
    assert "jpflows monitor as of 2025-09-30" in pages[0]
    assert "Rally from the 1-year low" in pages[0] and "TOPIX rally from that low" in pages[0]
