"""Refresh tells the truth: each file's real outcome, kept with the cache for every process.

A publisher that is down while a stale copy is served is not "OK": ``api.refresh()``, the
workbook's Refresh and ``jpflows refresh`` say "stale" with the reason (or "failed" when nothing
could be served), the command exits non-zero, and a new process's ``api.status()`` and ``JP_INFO``
still see the failure until a download succeeds.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest

from addin import api
from addin.config import Config
from addin.engine import Engine
from addin.sources import mof_jgb
from tests.fixtures import fred as fred_files
from tests.fixtures import mof_jgb as jgb_files
from tests.fixtures.hostile import Figures
from tests.fixtures.server import Reply

PROJECT = Path(__file__).resolve().parents[1]
SOFR_URL = "https://fred.stlouisfed.org/graph/fredgraph.csv?id=SOFR"
STATUS = """
import json
from addin import api
print(json.dumps({"status": api.status(), "info": api.info("SOFR")}))
"""

figures = Figures()


@pytest.fixture
def fresh(engine_env, monkeypatch):
    monkeypatch.setenv("JPFLOWS_TIMEOUT", "0.5")
    engine_env.serve(SOFR_URL, fred_files.current_layout("SOFR", [("2025-09-30", "4.24")]))
    api.use(Engine(replace(Config.from_env(), recheck_seconds=0)))
    yield engine_env
    api.use(None)


def _new_process() -> dict:
    done = subprocess.run([sys.executable, "-c", STATUS], cwd=PROJECT, capture_output=True,
                          text=True, timeout=120, env={**os.environ, "PYTHONPATH": str(PROJECT)})
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def _fred(rows) -> dict:
    return next(row for row in rows if row["source"] == "FRED")


def test_refresh__a_failed_download_with_a_stale_copy_is_stale_not_ok(fresh):
    assert api.value("SOFR", "2025-09-30") == 4.24
    fresh.serve(SOFR_URL, Reply(b"<html>maintenance</html>"))
    with figures.measure("refresh_publisher_down", fresh.total):
        outcome = api.refresh()
    assert outcome["FRED SOFR"].startswith("stale: ")
    assert "HTML" in outcome["FRED SOFR"]
    assert api.value("SOFR", "2025-09-30") == 4.24  # data lost: none


def test_refresh__nothing_to_serve_is_failed(fresh):
    fresh.serve(SOFR_URL, Reply(b"", 503))
    with pytest.raises(Exception):
        api.value("SOFR", "2025-09-30")
    outcome = api.refresh()
    assert outcome["FRED SOFR"].startswith("failed: ")
    assert "503" in outcome["FRED SOFR"]


def test_refresh__one_file_of_two_failing_names_that_file(fresh):
    fresh.serve(mof_jgb.HISTORY_URL, jgb_files.english_history())
    fresh.serve(mof_jgb.CURRENT_URL, jgb_files.english_current())
    api.value("JGB10Y", "2025-04-08")
    fresh.serve(mof_jgb.CURRENT_URL, Reply(b"", 500))
    outcome = api.refresh()
    assert outcome["MOF JGB"].startswith("stale: jgbcme.csv")


def test_refresh__the_failure_is_seen_by_a_new_process_until_a_good_download(fresh):
    api.value("SOFR", "2025-09-30")
    fresh.serve(SOFR_URL, Reply(b"", 500))
    api.refresh()
    seen = _new_process()
    assert _fred(seen["status"])["state"] == "stale"
    assert "HTTP 500" in _fred(seen["status"])["detail"]
    assert seen["info"]["stale"] is True and "HTTP 500" in seen["info"]["error"]
    fresh.serve(SOFR_URL, fred_files.current_layout("SOFR", [("2025-10-01", "4.30")]))
    assert api.refresh()["FRED SOFR"] == "OK"
    seen = _new_process()
    # JP_INFO's "stale" also flags an old observation (this one is, by the real calendar); the
    # failure itself is gone: no error, and the source is OK again.
    assert _fred(seen["status"])["state"] == "OK" and seen["info"]["error"] is None


def test_cli_refresh__exits_non_zero_when_a_file_failed(fresh, capsys):
    from addin import cli

    api.value("SOFR", "2025-09-30")
    fresh.serve(SOFR_URL, Reply(b"", 500))
    assert cli.main(["refresh"]) != 0
    assert "stale" in capsys.readouterr().out
    fresh.serve(SOFR_URL, fred_files.current_layout("SOFR", [("2025-10-01", "4.30")]))
    assert cli.main(["refresh"]) == 0


def test_workbook_refresh__says_stale_or_failed_in_the_status_bar(fresh):
    from tests.test_workbook import FakeBook
    from workbook import jpflows_template

    api.value("SOFR", "2025-09-30")
    fresh.serve(SOFR_URL, Reply(b"", 500))
    book = FakeBook()
    outcome = jpflows_template.refresh(book)
    assert outcome["FRED SOFR"].startswith("stale: ")
    assert "stale or failed" in book.app.status[-1] and "FRED" in book.app.status[-1]
