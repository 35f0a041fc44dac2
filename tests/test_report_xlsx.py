"""``jpflows report --xlsx``: the monitor as a values-only workbook with charts."""

from __future__ import annotations

import zipfile

import openpyxl
import pytest

from addin import api, cli
from addin.report import Line, Section
from addin.report_xlsx import safe_text, write

SECTIONS = [
    Section("Foreign investors in Japanese stocks (JPX weekly)", [
        Line("JPX:Foreigners latest period (to 2025-09-26)", 512.3, "JPY bn"),
        Line("JPX:Foreigners year to date", 6029.9, "JPY bn"),
        Line("JPX:Foreigners 1-year sum, rank in 10 years", "1 of 470", "", "1 = largest")],
        sources=("JPX",)),
    Section("TOPIX rally from its low", [Line("TOPIX on 2025-08-26", 3241.26, "pts"),
                                         Line("TOPIX rally from that low", 0.3423, "ratio")]),
    Section("30-year JGB record check", [Line("JGB30Y on 2025-09-03", 3.17, "%"),
                                         Line("JGB30Y at a record", True)]),
    Section("Japanese individuals (JPX weekly)",
            error="JPX unreachable, nothing cached; see /home/ann/.cache/jpflows/log.txt"),
]


@pytest.fixture
def monitor(tmp_path):
    return write(SECTIONS, "2025-09-30", tmp_path / "monitor.xlsx")


def test_write__every_section_with_values_and_units(monitor):
    sheet = openpyxl.load_workbook(monitor)["Monitor"]
    cells = {sheet.cell(r, 1).value: (sheet.cell(r, 2), sheet.cell(r, 3).value)
             for r in range(1, sheet.max_row + 1)}
    assert sheet["A1"].value == "jpflows monitor as of 2025-09-30"
    value, unit = cells["JPX:Foreigners year to date"]
    assert value.value == 6029.9 and unit == "JPY bn" and value.number_format == "#,##0.0"
    rally, _ = cells["TOPIX rally from that low"]
    assert rally.value == 0.3423 and rally.number_format == "0.0%"
    assert cells["JGB30Y at a record"][0].value is True
    assert cells["JPX:Foreigners 1-year sum, rank in 10 years"][0].value == "1 of 470"
    assert "Foreign investors in Japanese stocks (JPX weekly)" in cells


def test_write__a_failed_section_shows_its_reason_without_paths(monitor):
    sheet = openpyxl.load_workbook(monitor)["Monitor"]
    texts = [str(sheet.cell(r, 1).value) for r in range(1, sheet.max_row + 1)]
    assert "unavailable: JPX unreachable, nothing cached; see log.txt" in texts
    with zipfile.ZipFile(monitor) as archive:
        body = b"".join(archive.read(n) for n in archive.namelist())
    assert b"/home/ann" not in body


def test_write__values_only_with_charts(monitor):
    with zipfile.ZipFile(monitor) as archive:
        names = archive.namelist()
        sheets = [archive.read(n) for n in names if n.startswith("xl/worksheets/sheet")]
    assert not any(n.endswith(".bin") for n in names)
    assert all(b"<f>" not in body for body in sheets)
    assert len([n for n in names if n.startswith("xl/charts/chart")]) == 3
    data = openpyxl.load_workbook(monitor)["Chart data"]
    assert data["A1"].value == "Net buying, year to date (JPY bn)" and data["B2"].value == 6029.9


def test_write__nothing_to_chart_still_writes(tmp_path):
    path = write([Section("Yen range", error="FRED timed out")], "2025-09-30", tmp_path / "m.xlsx")
    with zipfile.ZipFile(path) as archive:
        assert not [n for n in archive.namelist() if n.startswith("xl/charts/")]


def test_safe_text__keeps_words_and_cuts_paths():
    assert safe_text("C:\\Users\\ann\\x.csv missing") == "x.csv missing"
    assert safe_text("ratio 1/2 of ~/data/f.csv") == "ratio 1/2 of f.csv"


def test_cli_report__offline_empty_cache_writes_the_reasons(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("JPFLOWS_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("JPFLOWS_OFFLINE", "1")
    monkeypatch.delenv("JPFLOWS_MIRROR", raising=False)
    api.use(None)
    try:
        code = cli.main(["report", "--as-of", "2025-09-30", "--xlsx", str(tmp_path / "r.xlsx")])
    finally:
        api.use(None)
    assert code == 1
    sheet = openpyxl.load_workbook(tmp_path / "r.xlsx")["Monitor"]
    texts = [str(sheet.cell(r, 1).value) for r in range(1, sheet.max_row + 1)]
    assert sum(t.startswith("unavailable: ") for t in texts) >= 5
    assert str(tmp_path) not in " ".join(texts)


def test_write__chart_labels_formatted_and_bars_from_zero(monitor):
    with zipfile.ZipFile(monitor) as archive:
        charts = {n: archive.read(n).decode() for n in archive.namelist()
                  if n.startswith("xl/charts/chart")}
    rally = next(body for body in charts.values() if "Rally from the 1-year low" in body)
    assert '<c:dLbls><c:numFmt formatCode="0.0%"' in rally
    assert '<c:min val="0"/>' in rally
    assert all("as of 2025-09-30" in body for body in charts.values())
    data = openpyxl.load_workbook(monitor)["Chart data"]
    assert data["B2"].number_format == "#,##0.0"


def test_write__every_sheet_prints_on_one_landscape_page(monitor):
    book = openpyxl.load_workbook(monitor)
    for sheet in book.worksheets:
        assert sheet.page_setup.orientation == "landscape", sheet.title
        assert sheet.sheet_properties.pageSetUpPr.fitToPage, sheet.title
        setup = sheet.page_setup  # a missing count is the file format's default, one page
        assert (setup.fitToWidth or 1, setup.fitToHeight or 1) == (1, 1), sheet.title
