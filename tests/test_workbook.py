"""The template workbook: built by code, reproducible, carrying xlwings' VBA, evaluated on data."""

from __future__ import annotations

import getpass
import re
import sys
import zipfile
from pathlib import Path

import openpyxl
import pytest
from rich.console import Console

from addin import api
from addin.calc import hedged
from addin.errors import BadArgument
from workbook import build, claims, evaluate, install, jpflows_template, layout, ovba, vba

SHEETS = ["Dashboard", "Flows", "Rally", "Hedging", "Article-check", "Settings", "xlwings.conf"]
SHEET_PARTS = re.compile(r"^xl/(worksheets/sheet\d+\.xml|workbook\.xml)$")


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> Path:
    return build.build(tmp_path_factory.mktemp("book") / "jpflows_template.xlsm")


def parts(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def sheet_xml(path: Path) -> dict[str, bytes]:
    return {name: body for name, body in parts(path).items() if SHEET_PARTS.match(name)}


def formula_text(value) -> str:
    return getattr(value, "text", value)


# -- building ------------------------------------------------------------------------------

def test_build__opens_with_openpyxl_with_every_sheet(template):
    book = openpyxl.load_workbook(template, keep_vba=True)
    assert book.sheetnames == SHEETS


def test_build__settings_are_workbook_level_names(template):
    book = openpyxl.load_workbook(template, keep_vba=True)
    for name in ("NoteDate", "AsOf", "HedgeDays", "BasisBp", "YearStart"):
        assert name in book.defined_names, name
    settings = book["Settings"]
    assert book.defined_names["HedgeDays"].attr_text == "Settings!$B$9"
    assert settings["B9"].value == 90 and settings["B10"].value == 0
    assert settings["B4"].value.strftime("%Y-%m-%d") == "2025-08-26"
    assert settings["B6"].value is None  # AsOf blank = latest


def test_build__formulas_are_kept_as_text(template):
    sheet = openpyxl.load_workbook(template, keep_vba=True)["Article-check"]
    rally = next(r for r in range(4, 30) if "34.2%" in str(sheet[f"A{r}"].value))
    assert sheet[f"B{rally}"].value == 'JP_RALLY("TOPIX","2025-04-01","2025-04-30",NoteDate)'
    assert formula_text(sheet[f"C{rally}"].value) == "=" + sheet[f"B{rally}"].value
    assert formula_text(sheet[f"D{rally}"].value).endswith(",AsOf)")


def test_build__carries_the_xlwings_vba_project(template):
    files = parts(template)
    built = vba.module_sources(files["xl/vbaProject.bin"])
    shipped = vba.module_sources(vba.vba_project())
    assert built["xlwings"].splitlines() == shipped["xlwings"].splitlines()
    assert b"macroEnabled" in files["[Content_Types].xml"]
    assert b'codeName="ThisWorkbook"' in files["xl/workbook.xml"]


def test_vba__each_button_macro_runs_its_own_function_of_the_module_named_after_the_workbook():
    macros = vba.macros(vba.MACROS.read_text())
    assert 'bookModule = Left$(bookModule, InStrRev(bookModule, ".") - 1)' in vba.MACROS.read_text()
    for caption, (macro, entry) in layout.BUTTONS.items():
        assert f'RunPython PythonCall("{entry}")' in macros[macro], caption
        assert callable(getattr(jpflows_template, entry))
    assert len({macro for macro, _ in layout.BUTTONS.values()}) == len(layout.BUTTONS) == 2
    assert "Function RunPython" in vba.module_sources(vba.vba_project())["xlwings"]


def test_vba__decompress_rejects_bytes_that_are_not_a_container():
    with pytest.raises(ValueError, match="not a compressed"):
        ovba.decompress(b"\x00abc")


def test_vba__a_button_whose_macro_is_missing_is_an_error():
    sheet = layout.Sheet("S", (), buttons=(layout.Button("A1", "Refresh"),))
    with pytest.raises(LookupError, match="JpflowsRefresh"):
        build.check_buttons([sheet], "Public Sub JpflowsSnapshot()\nEnd Sub\n")


def test_build__each_button_calls_its_own_macro(template):
    drawing = parts(template)["xl/drawings/vmlDrawing1.vml"].decode()
    assert drawing.count("<x:FmlaMacro>[0]!JpflowsRefresh</x:FmlaMacro>") == 1
    assert drawing.count("<x:FmlaMacro>[0]!JpflowsSnapshot</x:FmlaMacro>") == 1
    assert ">Refresh<" in drawing and ">Snapshot<" in drawing


def test_build__twice_gives_identical_sheet_xml(template, tmp_path):
    again = build.build(tmp_path / "again.xlsm")
    assert sheet_xml(again) == sheet_xml(template)
    assert again.read_bytes() == template.read_bytes()


def test_build__committed_template_matches_a_rebuild(template):
    assert build.TEMPLATE.exists(), "run: python -m workbook.build"
    assert sheet_xml(build.TEMPLATE) == sheet_xml(template)


def test_build__holds_no_paths_user_names_or_dates_of_the_build(template):
    text = b"".join(body for name, body in parts(template).items() if not name.endswith(".bin"))
    for needle in (str(Path.home()), str(Path(__file__).parents[1]), "/tmp/", "C:\\Users",
                   f"/{getpass.getuser()}/", str(api.engine().config.cache_dir)):
        assert needle.encode() not in text, needle
    assert b"2025-08-26T00:00:00Z" in parts(template)["docProps/core.xml"]


def test_build__conf_sheet_names_the_entry_module(template):
    conf = openpyxl.load_workbook(template, keep_vba=True)["xlwings.conf"]
    rows = {conf[f"A{r}"].value: conf[f"B{r}"].value for r in range(1, 5)}
    assert rows == {"UDF Modules": "jpflows_template", "Debug UDFs": False,
                    "Use UDF Server": False, "Show Console": False}
    shipped = (Path(build.HERE) / "xlwings.conf").read_text()
    assert '"UDF MODULES","jpflows_template"' in shipped


def test_dashboard__asks_for_tables_not_cells(template):
    dashboard = next(s for s in layout.sheets() if s.name == "Dashboard")
    calls = sum(str(c.content).count("JP_") for c in dashboard.cells)
    assert 10 <= calls <= 30
    anchors = [c.ref for c in dashboard.cells if c.spill]
    xml = parts(template)["xl/worksheets/sheet1.xml"].decode()
    for ref in anchors:
        assert re.search(rf'<c r="{ref}"[^>]*cm="1"><f t="array" ref="{ref}">JP_', xml), ref


def test_new_workbook__writes_book_and_module_named_alike(tmp_path):
    book = build.new_workbook("desk_monitor", tmp_path)
    assert book == tmp_path / "desk_monitor.xlsm"
    assert (tmp_path / "desk_monitor.py").read_text() == build.ENTRY_SOURCE.read_text()
    conf = openpyxl.load_workbook(book, keep_vba=True)["xlwings.conf"]
    assert conf["B1"].value == "desk_monitor"


def test_new_workbook__refuses_to_overwrite_or_bad_names(tmp_path):
    build.new_workbook("desk", tmp_path)
    with pytest.raises(BadArgument, match="already exists"):
        build.new_workbook("desk", tmp_path)
    with pytest.raises(BadArgument, match="module name"):
        build.new_workbook("my desk", tmp_path)


def conf_of(book: Path) -> dict:
    """The xlwings.conf sheet as xlwings reads it: column A from A1 down to the first blank."""
    sheet = openpyxl.load_workbook(book, keep_vba=True)["xlwings.conf"]
    rows, r = {}, 1
    while sheet[f"A{r}"].value not in (None, ""):
        rows[sheet[f"A{r}"].value.upper()] = sheet[f"B{r}"].value
        r += 1
    return rows


@pytest.mark.parametrize("platform, key", [("win32", "INTERPRETER_WIN"),
                                           ("darwin", "INTERPRETER_MAC")])
def test_new_workbook__names_the_interpreter_of_the_python_that_ran_it(tmp_path, platform, key):
    book = build.new_workbook("desk", tmp_path, executable=r"C:\Py 3\python.exe", platform=platform)
    rows = conf_of(book)
    assert rows[key] == r"C:\Py 3\python.exe" and rows["UDF MODULES"] == "desk"
    assert not {"INTERPRETER_WIN", "INTERPRETER_MAC"} - {key} & set(rows)


def test_new_workbook__defaults_to_this_python(tmp_path):
    rows = conf_of(build.new_workbook("desk", tmp_path, platform="win32"))
    assert rows["INTERPRETER_WIN"] == sys.executable


def test_new_workbook__where_excel_does_not_run_names_no_interpreter(tmp_path):
    rows = conf_of(build.new_workbook("desk", tmp_path, platform="linux"))
    assert not any(key.startswith("INTERPRETER") for key in rows)


def test_build__committed_template_names_no_interpreter():
    rows = conf_of(build.TEMPLATE)
    assert rows["UDF MODULES"] == layout.ENTRY_MODULE
    assert not any(key.startswith("INTERPRETER") for key in rows)


# -- the entry module ----------------------------------------------------------------------

class FakeApp:
    def __init__(self, caller="Button 1"):
        self.status = []
        self.calculated = 0
        self.api = type("Api", (), {"Caller": caller})()

    @property
    def status_bar(self):
        return self.status[-1] if self.status else None

    @status_bar.setter
    def status_bar(self, text):
        self.status.append(text)

    def calculate(self):
        self.calculated += 1


class FakeBook:
    def __init__(self, caller="Button 1", caption="Refresh"):
        self.app = FakeApp(caller)
        button = type("Button", (), {"Caption": caption})()
        sheet_api = type("SheetApi", (), {"Buttons": lambda self, name: button})()
        active = type("Sheet", (), {"api": sheet_api})()
        self.sheets = type("Sheets", (), {"active": active})()


def test_entry_module__registers_the_jp_functions():
    assert callable(jpflows_template.JP_VALUE) and callable(jpflows_template.JP_HEDGED_SPREAD)


@pytest.mark.parametrize("entry, action", [("refresh_button", "refresh"),
                                           ("snapshot_button", "snapshot")])
def test_entry_module__each_button_function_runs_its_action_on_the_calling_book(
        monkeypatch, entry, action):
    import xlwings

    book, ran = FakeBook(), []
    monkeypatch.setattr(xlwings.Book, "caller", staticmethod(lambda: book))
    monkeypatch.setattr(jpflows_template, "snapshot", lambda b: ran.append(("snapshot", b)))
    monkeypatch.setattr(jpflows_template, "refresh", lambda b: ran.append(("refresh", b)))
    getattr(jpflows_template, entry)()
    assert ran == [(action, book)]


def test_entry_module__does_not_guess_the_button_from_the_caller():
    source = Path(jpflows_template.__file__).read_text()
    assert "Caller" not in source.replace("Book.caller", "")


def test_entry_module__refresh_shows_progress_then_recalculates(monkeypatch):
    def fake_refresh(progress):
        progress(0, 2, "MOF JGB")
        progress(1, 2, "FRED")
        return {"MOF JGB": "OK", "FRED": "FRED timed out"}

    monkeypatch.setattr(api, "refresh", fake_refresh)
    book = FakeBook()
    outcome = jpflows_template.refresh(book)
    assert outcome["MOF JGB"] == "OK"
    assert book.app.status[:2] == ["jpflows: refreshing MOF JGB (1 of 2)",
                                   "jpflows: refreshing FRED (2 of 2)"]
    assert book.app.calculated == 1
    assert "FRED" in book.app.status[-1] and "stale or failed" in book.app.status[-1]


def test_entry_module__refresh_recalculates_every_formula_where_excel_can(monkeypatch):
    monkeypatch.setattr(api, "refresh", lambda progress: {"FRED": "OK"})
    book, full = FakeBook(), []
    book.app.api.CalculateFull = lambda: full.append(1)
    jpflows_template.refresh(book)
    assert full == [1] and book.app.calculated == 0


# -- installing ----------------------------------------------------------------------------

def recording_console() -> Console:
    return Console(record=True, width=200, force_terminal=False)


def test_install__linux_says_what_it_would_do_and_why_not(tmp_path):
    console = recording_console()
    assert install.install(console, platform="linux", home=tmp_path) == 1
    text = console.export_text()
    assert "Excel does not run on Linux" in text
    assert "-m xlwings addin install" in text and '"UDF MODULES","udfs"' in text
    assert not (tmp_path / ".xlwings").exists()


def test_install__windows_runs_xlwings_then_writes_the_conf(tmp_path):
    conf = tmp_path / ".xlwings" / "xlwings.conf"
    conf.parent.mkdir()
    conf.write_text('"LICENSE_KEY","abc"\n"UDF MODULES","old"\n')
    commands = []

    def run(command, **kwargs):
        commands.append(command)
        return type("Done", (), {"returncode": 0, "stdout": "", "stderr": ""})()

    assert install.install(recording_console(), platform="win32", home=tmp_path, run=run) == 0
    assert commands[0][1:] == ["-m", "xlwings", "addin", "install"]
    lines = conf.read_text().splitlines()
    assert lines[0] == '"LICENSE_KEY","abc"' and lines[1] == '"UDF MODULES","udfs"'
    assert lines[2].startswith('"INTERPRETER_WIN","')


def test_install__failing_xlwings_installer_returns_1(tmp_path):
    def run(command, **kwargs):
        return type("Done", (), {"returncode": 1, "stdout": "", "stderr": "Excel is open"})()

    console = recording_console()
    assert install.install(console, platform="darwin", home=tmp_path, run=run) == 1
    assert "Excel is open" in console.export_text()


def test_conf_text__mac_key_and_new_file():
    text = install.conf_text(install.conf_entries("/usr/bin/python3", "darwin"))
    assert text == '"INTERPRETER_MAC","/usr/bin/python3"\n"UDF MODULES","udfs"\n'


# -- the formulas, evaluated on data --------------------------------------------------------

FRED = "https://fred.stlouisfed.org/graph/fredgraph.csv?id={}"
CSV_FILES = {"TOPIX": "equity_index/derived/topix_jpx_official_closes.csv",
             "NIKKEI225": "equity_index/derived/nikkei225_closes.csv",
             "TONA": "boj/derived/boj_call_rate_FM01_STRDCLUCON_daily.csv"}


@pytest.fixture
def served(engine_env, realdata, monkeypatch):
    """Real publisher files behind the local server; TOPIX, Nikkei and TONA as user CSVs."""
    from addin.sources import mof_bop, mof_jgb, mof_weekly, treasury
    from tests.fixtures import mof_weekly as weekly_files

    engine_env.serve(mof_jgb.HISTORY_URL, (realdata / "mof_jgb" / "jgbcme_all.csv").read_bytes())
    engine_env.serve(treasury.URL.format(year=2025),
                     (realdata / "treasury" / "daily-treasury-rates_2025.csv").read_bytes())
    engine_env.serve(mof_bop.URLS["6pi-1"],
                     (realdata / "mof_bop_portfolio_monthly" / "6pi-1.csv").read_bytes())
    engine_env.serve(mof_weekly.URL, weekly_files.week_csv())
    for series in ("DGS2", "DGS5", "DGS10", "DGS30", "SOFR", "DEXJPUS"):
        engine_env.serve(FRED.format(series), (realdata / "fred" / f"{series}.csv").read_bytes())
    for name, path in CSV_FILES.items():
        monkeypatch.setenv(f"JPFLOWS_CSV_{name}", str(realdata / path))
    api.use(None)
    yield engine_env
    api.use(None)


def claim_row(text: str) -> int:
    return 4 + next(i for i, claim in enumerate(claims.CLAIMS) if text in claim[0])


def test_article_check__figures_on_the_notes_date(served):
    values, calls = evaluate.evaluate()

    def then(text):
        return values[("Article-check", f"C{claim_row(text)}")]

    assert then("34.2%") == pytest.approx(0.3423, abs=5e-5)
    assert then("at a record") is True
    assert then("BOJ has hiked") == pytest.approx(0.477 - 0.227, abs=2e-3)
    assert then("140-160") == 140.66
    assert then("highest USDJPY") == 161.73
    assert then("yields 3.86%") == api.value("UST5Y", "2025-08-26")
    sofr, tona = api.value("SOFR", "2025-08-26"), api.value("TONA", "2025-08-26")
    jgb5, ust5 = api.value("JGB5Y", "2025-08-26"), api.value("UST5Y", "2025-08-26")
    expected = hedged.hedged_spread(jgb5, "JPY", ust5, "USD", sofr, tona, 90, 0.0)
    assert then("earns more in hedged") == pytest.approx(expected, abs=1e-12)
    assert 4.8 < then("about 5%") < 5.3
    kept = hedged.hedged_yield(ust5, "USD", "JPY", sofr, tona, 90, 0.0)
    assert then("yen investor hedging") == pytest.approx(kept, abs=1e-12)
    assert abs(kept) < 0.5  # the note's point: the hedge eats nearly all of the yield
    assert then("retail investors").startswith("#N/A ")  # no JPX files behind the server
    assert then("net international investment") == claims.NO_SERIES
    assert 0 < calls["Dashboard"] <= 30


def test_article_check__todays_column_uses_the_latest_data(served):
    values, _ = evaluate.evaluate()
    today = values[("Article-check", f"D{claim_row('34.2%')}")]
    assert today == pytest.approx(4067.29 / 2288.66 - 1, abs=1e-9)
    assert values[("Article-check", f"D{claim_row('at a record')}")] is False


def test_hedging__sheet_on_2025_09_30(served):
    settings = next(s for s in layout.sheets() if s.name == "Settings")
    as_of = [c if c.ref != "B6" else layout.Cell("B6", "2025-09-30") for c in settings.cells]
    sheets = [layout.Sheet("Settings", tuple(as_of)),
              next(s for s in layout.sheets() if s.name == "Hedging")]
    values, calls = evaluate.evaluate(sheets)
    row = 7 + layout.TENORS.index("5Y")
    assert values[("Hedging", f"B{row}")] == 3.74 and values[("Hedging", f"C{row}")] == 1.244
    spread = hedged.hedged_spread(1.244, "JPY", 3.74, "USD", 4.24, 0.477, 90, 0.0)
    assert values[("Hedging", f"D{row}")] == pytest.approx(spread, abs=1e-12)
    assert values[("Hedging", "B12")] == pytest.approx(4.952051708, abs=1e-8)
    assert calls["Hedging"] == sum(str(c.content).count("JP_") for c in sheets[1].cells)


def test_evaluate__copies_a_formula_down_like_excel():
    cells = [layout.Cell(f"A{r}", r) for r in range(1, 4)]
    cells += [layout.Cell("B1", "=A1"), *[layout.Cell(f"B{r}", f"=B{r - 1}+A{r}") for r in (2, 3)]]
    values, calls = evaluate.evaluate([layout.Sheet("S", tuple(cells))])
    assert [values[("S", f"B{r}")] for r in (1, 2, 3)] == [1, 3, 6]
    assert calls["S"] == 0


def test_evaluate__a_table_spills_from_its_cell(monkeypatch):
    import udfs

    monkeypatch.setitem(udfs.REGISTERED, "JP_SERIES", lambda *a: [["Date", "X"], [45000.0, 1.5]])
    sheet = layout.Sheet("S", (layout.Cell("C3", '=JP_SERIES("X")', spill=True),
                               layout.Cell("F1", "=D4*2")))
    values, calls = evaluate.evaluate([sheet])
    assert values[("S", "C3")] == "Date" and values[("S", "D4")] == 1.5
    assert values[("S", "F1")] == 3.0 and calls["S"] == 1


class FakeRange:
    row, column = 2, 1

    def __init__(self, formula, value):
        self.formula, self.value = formula, value

    def options(self, ndim):
        return self


def test_entry_module__snapshot_saves_values_beside_the_workbook(engine_env, tmp_path):
    api.use(None)
    page = type("Page", (), {"name": "Rally", "used_range": FakeRange(
        (("TOPIX", '=JP_VALUE("TOPIX",AsOf)'), ("", "")), [["TOPIX", 4067.29], [None, None]])})()
    book = FakeBook()
    book.sheets = [page]
    book.fullname, book.name = str(tmp_path / "desk.xlsm"), "desk.xlsm"
    try:
        out = jpflows_template.snapshot(book)
    finally:
        api.use(None)
    assert out.parent == tmp_path and out.name.startswith("desk snapshot ")
    saved = openpyxl.load_workbook(out)
    assert saved["Rally"]["B2"].value == 4067.29 and saved["Rally"]["A2"].value == "TOPIX"
    assert saved["Provenance"]["A5"].value == "TOPIX"
    assert out.name in book.app.status[-1]


def test_evaluate__reads_other_sheets_by_name_and_reference():
    settings = layout.Sheet("Settings", (layout.Cell("B9", 90),))
    sheet = layout.Sheet("S", (layout.Cell("A1", "=HedgeDays*2"), layout.Cell("A2", "=Settings!B9+1")))
    values, _ = evaluate.evaluate([settings, sheet])
    assert values[("S", "A1")] == 180 and values[("S", "A2")] == 91


def test_cli__workbook_new_refuses_an_existing_name_with_a_clear_message(tmp_path, monkeypatch, capsys):
    from addin.cli import main

    monkeypatch.chdir(tmp_path)
    (tmp_path / "Monitor.xlsm").write_bytes(b"")
    assert main(["workbook", "new", "Monitor"]) == 2
    assert "Monitor.xlsm already exists" in capsys.readouterr().err
