"""``jpflows doctor --live`` end to end, through the local stand-in for the publishers."""

from __future__ import annotations

import json
from datetime import date

import pytest
from rich.console import Console

from addin import doctor_live
from addin.cli import main
from addin.config import Config
from addin.sources import (REGISTRY, boj, fred, jquants, mof_bop, mof_jgb, mof_weekly, nikkei,
                           nyfed, stooq, treasury)
from tests.fixtures import boj as boj_files
from tests.fixtures import fred as fred_files
from tests.fixtures import jpx as jpx_files
from tests.fixtures import jquants as jquants_files
from tests.fixtures import mof_bop as bop_files
from tests.fixtures import mof_jgb as jgb_files
from tests.fixtures import mof_weekly as weekly_files
from tests.fixtures import nikkei as nikkei_files
from tests.fixtures import nyfed as nyfed_files
from tests.fixtures import stooq as stooq_files
from tests.fixtures import treasury as treasury_files

STOOQ_KEY, JQUANTS_KEY = "stq-key-77", "jq-key-88"


def _serve_every_source(server) -> None:
    year = date.today().year
    server.serve(mof_jgb.HISTORY_URL, jgb_files.english_history())
    server.serve(mof_jgb.CURRENT_URL, jgb_files.english_current())
    server.serve(treasury.URL.format(year=year), treasury_files.year_2025())
    server.serve(fred.URL.format(series_id="SOFR"), fred_files.current_layout("SOFR"))
    server.serve(boj.api_url("FM01", "STRDCLUCON"), boj_files.tona_csv())
    server.serve(mof_weekly.URL, weekly_files.week_csv())
    server.serve(mof_bop.PAGE_URL, b'<html><a href="bpport/6pi-1.csv">6pi-1</a></html>')
    server.serve(mof_bop.PAGE_URL.rsplit("/", 1)[0] + "/bpport/6pi-1.csv", bop_files.summary_csv())
    for url, body in jpx_files.sample_site().items():
        server.serve(url, body)
    server.serve(stooq.TOPIX_URL + "&apikey=" + STOOQ_KEY, stooq_files.topix_csv())
    server.serve(nikkei.URL, nikkei_files.daily_csv())
    server.serve(jquants.url_for("topix"), jquants_files.page(jquants_files.topix_rows()))
    server.serve(nyfed.URL.format(year=year), nyfed_files.search_json())


@pytest.fixture
def stand_in(tmp_path, monkeypatch, server):
    """Every source's probe files behind a local server that records the requests it gets."""
    _serve_every_source(server)
    for name, value in {"JPFLOWS_CACHE_DIR": str(tmp_path / "cache"),
                        "JPFLOWS_MIRROR": server.mirror(), "JPFLOWS_TIMEOUT": "5",
                        "JPFLOWS_STOOQ_KEY": STOOQ_KEY, "JPFLOWS_JQUANTS_KEY": JQUANTS_KEY}.items():
        monkeypatch.setenv(name, value)
    for name in ("JPFLOWS_OFFLINE", "JPFLOWS_MOF_BOP_URL"):
        monkeypatch.delenv(name, raising=False)
    return server


def _console() -> Console:
    return Console(record=True, width=220, force_terminal=False)


def test_live__every_source_downloads_and_parses(stand_in, tmp_path):
    out = _console()
    report = tmp_path / "live.json"
    assert doctor_live.run(out, json_path=str(report)) == 0
    text = out.export_text()
    assert "Every headline source answers and parses." in text
    doc = json.loads(report.read_text(encoding="utf-8"))
    proofs = {p["source"]: p for p in doc["sources"]}
    assert set(proofs) == {s.name for s in REGISTRY.sources() if s.id != "csv"}
    for name, proof in proofs.items():
        assert proof["verdict"] == "OK", (name, proof)
        assert proof["status"] == 200 and proof["bytes"] > 0 and proof["layout"] == "accepted"
        assert proof["first"] <= proof["last"]
        assert all(asked["accepted"] for asked in proof["requests"]), name
    assert proofs["FRED"]["first"] == "2025-08-29" and proofs["FRED"]["last"] == "2025-09-02"
    assert doc["through_mirror"] is True


def test_live__sends_each_sources_headers_and_key_but_never_writes_the_key(stand_in, tmp_path):
    report = tmp_path / "live.json"
    doctor_live.run(_console(), json_path=str(report))
    seen = dict(stand_in.seen)
    jpx_index = next(h for path, h in stand_in.seen if path.endswith("investor-type/index.html"))
    assert jpx_index["User-Agent"].startswith("Mozilla/5.0")
    assert any(h.get("x-api-key") == JQUANTS_KEY for path, h in stand_in.seen if "jquants" in path)
    assert any(path.endswith("&apikey=" + STOOQ_KEY) for path in seen)
    written = report.read_text(encoding="utf-8")
    assert STOOQ_KEY not in written and JQUANTS_KEY not in written


def test_live__files_published_for_good_are_not_asked(stand_in):
    proofs = {p.source: p for p in doctor_live.live(Config.from_env())}
    asked = [r.url.rsplit("/", 1)[-1] for r in proofs["JPX"].requests]
    assert "stock_1_w_20260914_20260918.xlsx" in asked
    assert not any(name.startswith("stock_val_1_") for name in asked)
    assert proofs["JPX"].first == proofs["JPX"].last == "2026-09-18"


def test_live__a_changed_layout_fails_with_what_to_do(stand_in, tmp_path):
    stand_in.serve(mof_weekly.URL, b"<!DOCTYPE html><html><body>maintenance</body></html>")
    out = _console()
    assert doctor_live.run(out) == 1
    proof = next(p for p in doctor_live.live(Config.from_env()) if p.source == "MOF weekly")
    assert proof.verdict == "FAIL" and proof.status == 200 and proof.headline
    assert proof.layout.startswith("rejected: ") and proof.requests[0].accepted is False
    assert "layout changed" in proof.advice and "--json" in proof.advice
    assert "Headline sources failing: MOF weekly." in out.export_text()


def test_live__a_missing_file_and_a_missing_key(stand_in, monkeypatch):
    monkeypatch.delenv("JPFLOWS_JQUANTS_KEY")
    stand_in.serve(nikkei.URL, b"gone", status=404)
    proofs = {p.source: p for p in doctor_live.live(Config.from_env())}
    assert proofs["Nikkei"].verdict == "FAIL" and proofs["Nikkei"].status == 404
    assert "refused the file" in proofs["Nikkei"].advice
    jq = proofs["J-Quants"]
    assert jq.verdict == "SKIP" and not jq.requests and "JPFLOWS_JQUANTS_KEY" in jq.layout


def test_cli__doctor_live_writes_json_and_refuses_a_bad_path(stand_in, tmp_path, capsys):
    assert main(["doctor", "--live", "--json", str(tmp_path / "no" / "such" / "x.json")]) == 2
    assert "cannot write" in capsys.readouterr().err
    assert stand_in.total() == 0  # refused before any work
    assert main(["doctor", "--json", str(tmp_path / "x.json")]) == 2
    assert main(["doctor", "--live", "--json", str(tmp_path / "x.json")]) == 0
    assert json.loads((tmp_path / "x.json").read_text())["sources"]
