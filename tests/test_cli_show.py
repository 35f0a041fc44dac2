"""``jpflows show`` and ``jpflows info`` for series and flows, on files served locally."""

from __future__ import annotations

import pytest

from addin import api
from addin.cli import main
from tests.test_report import served  # noqa: F401  (the real files behind the local server)


@pytest.fixture
def published(served, realdata):
    """The real files, the real MOF week.csv excerpt and a small JPX site, behind the server."""
    from addin.sources import mof_weekly
    from tests.fixtures import jpx

    for url, body in jpx.sample_site().items():
        served.serve(url, body)
    served.serve(mof_weekly.URL,
                 (realdata / "mof_weekly/excerpt/week_excerpt_2026-09-17.csv").read_bytes())
    return served


def _shown(capsys, *argv) -> tuple[str, dict[str, float]]:
    assert main(["show", *argv]) == 0
    header, *lines = capsys.readouterr().out.strip().splitlines()
    return header, {day: float(value) for day, value in (line.split(",") for line in lines)}


def _expected(data) -> dict[str, float]:
    return {f"{when:%Y-%m-%d}": value for when, value in data.items()}


def test_show__a_weekly_mof_flow_with_its_unit_and_period_ends(published, capsys):
    header, rows = _shown(capsys, "MOF:Foreign:Equity", "--start", "2026-08-01")
    assert header == "date,MOF:Foreign:Equity (JPY bn)"
    assert rows["2026-09-12"] == pytest.approx(-1522.8)  # the week the monitor reports
    assert rows == pytest.approx(_expected(api.flows("MOF:Foreign:Equity", "2026-08-01")))


def test_show__a_jpx_flow_and_another_measure(published, capsys):
    header, rows = _shown(capsys, "jpx:foreigners")
    assert header == "date,JPX:Foreigners (JPY bn)" and len(rows) >= 4
    assert rows == pytest.approx(_expected(api.flows("JPX:Foreigners")))
    header, bought = _shown(capsys, "JPX:Foreigners", "--measure", "buy")
    assert header == "date,JPX:Foreigners buy (JPY bn)"
    assert bought == pytest.approx(_expected(api.flows("JPX:Foreigners", measure="buy")))
    assert bought != rows


def test_show__a_monthly_flow_in_dollars(published, capsys):
    header, rows = _shown(capsys, "BOP:Foreign:Equity", "--start", "2025-01-01",
                          "--currency", "USD")
    assert header == "date,BOP:Foreign:Equity (USD bn)"
    yen = _expected(api.flows("BOP:Foreign:Equity", "2025-01-01"))
    assert rows.keys() == yen.keys() and all(abs(rows[d]) < abs(yen[d]) for d in yen if yen[d])


def test_show__a_series_keeps_its_date_value_lines_under_a_unit_header(published, capsys):
    header, rows = _shown(capsys, "JGB10Y", "--start", "2025-09-01", "--end", "2025-09-30")
    assert header == "date,JGB10Y (%)"
    assert rows == _expected(api.series("JGB10Y", "2025-09-01", "2025-09-30"))
    assert rows["2025-09-30"] == 1.662


def test_show__flow_options_on_a_series_are_refused(published, capsys):
    assert main(["show", "JGB10Y", "--measure", "buy"]) == 2
    assert "--measure apply to flow ids; JGB10Y is a series" in capsys.readouterr().err
    assert published.total() == 0


def test_info__a_flow_names_its_source_and_unit(published, capsys):
    assert main(["info", "MOF:Foreign:Equity"]) == 0
    lines = dict(line.split(":", 1) for line in capsys.readouterr().out.splitlines())
    assert lines["id"].strip() == "MOF:Foreign:Equity" and lines["unit"].strip() == "JPY bn"
    assert lines["source"].strip() == "MOF weekly" and lines["last"].strip() == "2026-09-12"
