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
