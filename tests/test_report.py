"""``jpflows report``: the main job, on the real files served locally, and with nothing at all."""

from __future__ import annotations

import pytest

from addin import api
from addin.cli import main
from tests.fixtures.published import serve_realdata


@pytest.fixture
def served(engine_env, realdata, monkeypatch):
    for name, value in serve_realdata(engine_env, realdata).items():
        monkeypatch.setenv(name, value)
    api.use(None)
    yield engine_env
    api.use(None)


def test_report__headline_figures_on_2025_09_30(served, capsys):
    assert main(["report", "--as-of", "2025-09-30"]) == 0
    out = capsys.readouterr().out
    for figure in ("2,288.66", "147.97", "140.66", "161.73", "3.740", "1.244", "3.170",
                   "-3,497.8"):
        assert figure in out, figure
    assert "JGB30Y at a record" in out


def test_report__each_missing_source_explains_itself(served, capsys):
    main(["report", "--as-of", "2025-09-30"])
    out = capsys.readouterr().out
    assert "unavailable: JPX" in out and "unavailable: MOF weekly" in out


def test_report__hedged_jgb_matches_the_methodology(served):
    from addin import report

    hedged = next(s for s in report.build("2025-09-30") if s.title.startswith("UST 5Y"))
    values = {line.label: line.value for line in hedged.lines}
    pickup = ((1 + 0.0424 * 90 / 360) / (1 + 0.00477 * 90 / 365) - 1) * 360 / 90 * 100
    assert values["JGB5Y hedged into USD (3M rolled, SOFR/TONA)"] == pytest.approx(1.244 + pickup)


def test_report__offline_with_empty_cache_fails_clearly(engine_env, monkeypatch, capsys):
    monkeypatch.setenv("JPFLOWS_OFFLINE", "1")
    api.use(None)
    try:
        assert main(["report", "--as-of", "2025-09-30"]) == 1
    finally:
        api.use(None)
    out = capsys.readouterr().out
    assert out.count("offline and nothing cached") >= 8
    assert engine_env.total() == 0


@pytest.fixture
def published_months_ago(served, realdata, monkeypatch):
    """Every headline source behind the local server, each ending months before today: the
    real files, a small JPX site (to September 2026), the real MOF week.csv excerpt, and BOJ's
    USDJPY in the API layout (re-emitted from FRED's DEXJPUS, to May 2026)."""
    from addin.sources import boj, mof_weekly
    from tests.fixtures import boj as boj_files
    from tests.fixtures import jpx

    for url, body in jpx.sample_site().items():
        served.serve(url, body)
    served.serve(mof_weekly.URL,
                 (realdata / "mof_weekly/excerpt/week_excerpt_2026-09-17.csv").read_bytes())
    lines = (realdata / "fred" / "DEXJPUS.csv").read_text().strip().splitlines()[1:]
    rows = [(day.replace("-", ""), value or "null") for day, value in
            (line.split(",") for line in lines)]
    served.serve(boj.api_url("FM08", "FXERD04"), boj_files.api_csv(
        rows, db="FM08", code="FXERD04", name=boj_files.USDJPY_NAME, unit="yen"))
    monkeypatch.setenv("COLUMNS", "200")  # the terminal report on one line per title
    return served


SECTION_DATES = {
    "Foreign investors in Japanese stocks (JPX weekly)": "2026-09-18",
    "Japanese individuals (JPX weekly)": "2026-09-18",
    "Non-residents' Japanese equity purchases (MOF weekly)": "2026-09-12",
    "Non-residents' Japanese equity purchases (MOF balance of payments, monthly)": "2026-05-31",
    "TOPIX rally from its low": "2026-08-21",
    "Nikkei 225 rally from its low": "2026-08-21",
    "30-year JGB record check": "2026-06-30",
    "Yen range over two years": "2026-05-15",
    "UST 5Y vs USD-hedged JGB 5Y": "2026-06-24",
}


def test_report__default_date_shows_every_section_with_its_own_date(published_months_ago,
                                                                      capsys, tmp_path):
    from addin import report

    assert main(["report", "--xlsx", str(tmp_path / "monitor.xlsx")]) == 0
    out = capsys.readouterr().out
    assert "jpflows monitor: latest published figures" in out
    assert "unavailable" not in out
    words = " ".join(out.split())  # long titles wrap
    for title, day in SECTION_DATES.items():
        assert f"{title} (as of {day})" in words, title
    sections = {s.title: s for s in report.build(None)}
    assert {title: s.as_of for title, s in sections.items()} == SECTION_DATES
    assert all(s.error is None and s.lines for s in sections.values())
    flows = {line.label: line.value for line in sections["Non-residents' Japanese equity "
                                                         "purchases (MOF weekly)"].lines}
    assert flows["MOF:Foreign:Equity latest period (to 2026-09-12)"] == pytest.approx(-1522.8)
    assert "Source: Bank of Japan" in out


def test_report__default_date_workbook_dates_each_section_and_credits_the_boj(
        published_months_ago, tmp_path):
    import openpyxl

    assert main(["report", "--xlsx", str(tmp_path / "monitor.xlsx")]) == 0
    sheet = openpyxl.load_workbook(tmp_path / "monitor.xlsx")["Monitor"]
    rows = {sheet.cell(r, 1).value: sheet.cell(r, 2).value for r in range(1, sheet.max_row + 1)}
    assert rows["30-year JGB record check"] == "as of 2026-06-30"
    assert "Source: Bank of Japan" in rows
    assert sheet["A1"].value == "jpflows monitor as of the latest published figures"


def test_report__as_of_keeps_meaning_what_was_published_for_that_date(published_months_ago):
    from addin import report

    sections = {s.title: s for s in report.build("2026-06-30")}
    for title in ("30-year JGB record check", "TOPIX rally from its low",
                  "Nikkei 225 rally from its low", "UST 5Y vs USD-hedged JGB 5Y"):
        assert sections[title].as_of == "2026-06-30", title
    # June's balance of payments is not published in this file: said, not replaced by May.
    bop = sections["Non-residents' Japanese equity purchases (MOF balance of payments, monthly)"]
    assert bop.error == "No flow period contains 2026-06-30; latest ends 2026-05-31"
