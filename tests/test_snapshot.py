"""The values-only snapshot: no formulas, no macros, no paths, a complete Provenance sheet."""

from __future__ import annotations

import getpass
import re
import shutil
import struct
import zipfile
from pathlib import Path

import openpyxl
import pytest

from addin import api
from tests.test_workbook import claim_row, served  # noqa: F401  (the served-data fixture)
from workbook import build, evaluate, layout, render, snapshot


@pytest.fixture
def snapped(served, tmp_path, realdata):
    """A snapshot of the committed template computed on the real files."""
    sheets = layout.sheets()
    values, _ = evaluate.evaluate(sheets)
    rows = snapshot.provenance(snapshot.template_formulas(sheets))
    out = snapshot.snapshot_values(build.TEMPLATE, values, rows, tmp_path / "snap.xlsx")
    return out, values, rows


def xml_parts(path: Path) -> dict[str, str]:
    with zipfile.ZipFile(path) as archive:
        return {n: archive.read(n).decode("utf-8") for n in archive.namelist() if n.endswith((".xml", ".rels"))}


def test_snapshot__has_no_formulas_and_no_macros(snapped):
    path, _, _ = snapped
    parts = xml_parts(path)
    assert not any(name.endswith(".bin") for name in zipfile.ZipFile(path).namelist())
    assert "macroEnabled" not in parts["[Content_Types].xml"]
    for name, body in parts.items():
        if name.startswith("xl/worksheets/"):
            assert "<f>" not in body and "<f " not in body, name
    assert "xlwings.conf" not in openpyxl.load_workbook(path).sheetnames


def test_snapshot__holds_no_paths_user_names_or_cache_locations(snapped, realdata, tmp_path):
    path, _, _ = snapped
    text = "\n".join(xml_parts(path).values())
    for needle in (str(realdata), str(tmp_path), str(Path.home()), "/tmp/", str(Path.cwd()),
                   f"/{getpass.getuser()}/", str(api.engine().config.cache_dir), "http_cache"):
        assert needle not in text, needle
    assert "topix_jpx_official_closes.csv" in text  # the file's name says where TOPIX came from


def test_snapshot__formula_cells_hold_their_values(snapped):
    path, values, _ = snapped
    book = openpyxl.load_workbook(path)
    check = book["Article-check"]
    assert check[f"C{claim_row('34.2%')}"].value == pytest.approx(0.3423, abs=5e-5)
    assert check[f"C{claim_row('at a record')}"].value is True
    assert check[f"B{claim_row('34.2%')}"].value.startswith("JP_RALLY(")
    dashboard = book["Dashboard"]
    dates, numbers = layout.COLUMNS["jgb30"]
    assert dashboard[f"{dates}5"].value == "Date" and dashboard[f"{numbers}5"].value == "JGB30Y"
    assert dashboard[f"{numbers}6"].value == values[("Dashboard", f"{numbers}6")] > 0
    assert dashboard[f"{dates}6"].number_format == "yyyy-mm-dd"


def test_snapshot__provenance_names_every_series_and_formula(snapped):
    path, _, rows = snapped
    sheet = openpyxl.load_workbook(path)["Provenance"]
    listed = {sheet[f"A{r}"].value: r for r in range(5, 5 + len(rows))}
    for series_id in ("TOPIX", "JGB30Y", "UST5Y", "SOFR", "TONA", "USDJPY", "BOP:Foreign:Equity",
                      "JPX:Foreigners"):
        assert series_id in listed, series_id
    jgb = listed["JGB30Y"]
    assert sheet[f"C{jgb}"].value == "MOF JGB" and sheet[f"D{jgb}"].value.startswith("https://www.mof.go.jp/")
    assert re.match(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC", sheet[f"E{jgb}"].value)
    # The real files end months before today, so the latest JGB30Y is (rightly) flagged stale.
    assert sheet[f"F{jgb}"].value is True
    assert sheet[f"D{listed['TOPIX']}"].value == "topix_jpx_official_closes.csv"
    assert sheet[f"B{listed['JPX:Foreigners']}"].value.startswith("unavailable: ")
    formulas = [sheet[f"C{r}"].value for r in range(1, sheet.max_row + 1)
                if str(sheet[f"C{r}"].value).startswith("=")]
    assert len(formulas) == len(snapshot.template_formulas(layout.sheets()))


def test_snapshot__charts_are_redrawn_over_the_rows_with_data(snapped):
    path, values, _ = snapped
    parts = xml_parts(path)
    charts = sorted(n for n in parts if n.startswith("xl/charts/chart"))
    assert len(charts) == 4
    dates, numbers = layout.COLUMNS["jgb30"]
    last = max(int(ref[len(numbers):]) for (sheet, ref), v in values.items()
               if sheet == "Dashboard" and re.fullmatch(rf"{numbers}\d+", ref) and isinstance(v, float))
    assert 100 < last < 5 + layout.CHART_ROWS  # the table fits the rows the chart can show
    assert any(f"${numbers}$6:${numbers}${last}<" in parts[c] for c in charts)


def test_snapshot__from_layout_sheets_equals_from_the_template(served, tmp_path):
    sheets = [s for s in layout.sheets() if s.name in ("Settings", "Hedging")]
    values, _ = evaluate.evaluate(sheets)
    a = snapshot.snapshot_values(sheets, values, [], tmp_path / "a.xlsx")
    book = openpyxl.load_workbook(a)
    assert book.sheetnames == ["Hedging", "Settings", "Provenance"]
    assert book["Hedging"]["B12"].value == pytest.approx(4.952051708, abs=1e-8)


def test_read_template__gives_back_the_formulas():
    sheets = {s.name: s for s in snapshot.read_template(build.TEMPLATE)}
    expected = {s.name: s for s in layout.sheets()}
    for name in ("Dashboard", "Article-check", "Settings"):
        got = {c.ref: c.content for c in sheets[name].cells if snapshot._is_formula(c.content)}
        want = {c.ref: c.content for c in expected[name].cells if snapshot._is_formula(c.content)}
        assert got == want, name
    assert sheets["Dashboard"].charts == expected["Dashboard"].charts


@pytest.mark.parametrize("text, expected", [
    ("/tmp/pytest-1/data/topix.csv", "topix.csv"),
    ("file /home/ann/jp/x.csv not found", "file x.csv not found"),
    ("C:\\Users\\ann\\cache\\http_cache.sqlite", "http_cache.sqlite"),
    ("https://fred.stlouisfed.org/graph/fredgraph.csv?id=SOFR",
     "https://fred.stlouisfed.org/graph/fredgraph.csv?id=SOFR"),
    ("redis://team:secret@cache:6379/0", "redis://team:***@cache:6379/0"),
    ("No data before 2025-01-01", "No data before 2025-01-01"),
])
def test_safe_text__cuts_paths_and_passwords(text, expected):
    assert snapshot.safe_text(text) == expected


def test_series_ids__finds_ids_and_the_series_they_imply():
    found = snapshot.series_ids(['=JP_HEDGED_SPREAD("JGB5Y","UST5Y",AsOf)',
                                 '=JP_FLOW_SUM("JPX:Individuals","2025-01-01","","","USD")',
                                 '="JGB10Y"', '=JP_VALUE("jgb5y")'])
    assert found == ["JGB5Y", "UST5Y", "SOFR", "TONA", "JPX:Individuals", "USDJPY"]


def png_size(path: Path) -> tuple[int, int]:
    head = path.read_bytes()[:24]
    assert head[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", head[16:24])


@pytest.mark.skipif(render.office() is None or shutil.which("pdftoppm") is None,
                    reason="LibreOffice or pdftoppm not installed")
def test_render__dashboard_of_a_snapshot_becomes_a_png(snapped, tmp_path):
    path, _, _ = snapped
    width, height = png_size(render.render(path, tmp_path / "dashboard.png"))
    assert width > 600 and height > 250


def test_snapshot__provenance_carries_the_boj_credit_line(engine_env, tmp_path):
    from addin.sources import boj
    from tests.fixtures import boj as boj_files

    engine_env.serve(boj.api_url("FM01", "STRDCLUCON"), boj_files.tona_csv())
    api.use(None)
    try:
        rows = snapshot.provenance(['=JP_VALUE("TONA","2025-01-27")'])
    finally:
        api.use(None)
    assert rows[0]["source"] == "BOJ" and rows[0]["attribution"] == "Source: Bank of Japan"
    out = snapshot.snapshot_values([], {}, rows, tmp_path / "credit.xlsx")
    sheet = openpyxl.load_workbook(out)["Provenance"]
    assert sheet["A3"].value == "Source: Bank of Japan"
