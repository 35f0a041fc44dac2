"""Markup in publisher text: escaped wherever it is shown (terminal, logs, workbooks).

A publisher's header, a file name on an index page or a cell typed by a user is external text.
Shown in the terminal it must not be read as rich markup (``[/]`` crashed ``jpflows report``
before its ``--xlsx`` file was written) or as terminal control codes; written to a log it must not
forge lines or fill the disk (a 100,000-character argument was logged whole); written to a
workbook it must be the literal text.
"""

from __future__ import annotations

import logging

import pytest

from addin import api, cli
from tests.fixtures.hostile import Figures

FRED = "https://fred.stlouisfed.org/graph/fredgraph.csv?id={}"
# Header texts that reach the terminal (cut to 20 characters by the layout message).
MARKUP = ["[/]", "[red]x[/red]", "[link=file:///e]y", "[bold", "\\[not escaped"]
# A redirect's host reaches status, refresh and report raw: control codes and all.
CONTROL_HOST = "a\x1bc\x07d.example"

figures = Figures()


BOJ_USDJPY = "FM08", "FXERD04"  # USDJPY's first origin; FRED DEXJPUS is the second


@pytest.fixture
def hostile_fred(engine_env):
    """Both origins of USDJPY answer with publisher text: the BOJ API with an error MESSAGE
    (quoted as it is), FRED with another series named in its header (quoted cut)."""
    from addin.sources import boj
    from tests.fixtures import boj as boj_files

    def serve(text: str) -> None:
        body = f"observation_date,{text}\n2025-09-30,150.0\n".encode("utf-8", "replace")
        engine_env.serve(FRED.format("DEXJPUS"), body)
        engine_env.serve(boj.api_url(*BOJ_USDJPY), boj_files.error_json(500, "M181090S", text))

    api.use(None)
    yield serve
    api.use(None)


@pytest.fixture
def hostile_redirect(engine_env):
    """USDJPY's files redirect to a host whose name holds terminal control codes."""
    from addin.sources import boj

    for url in (FRED.format("DEXJPUS"), boj.api_url(*BOJ_USDJPY)):
        engine_env.serve(url, b"", 302, Location=f"http://{CONTROL_HOST}/x.csv")
    api.use(None)
    yield engine_env
    api.use(None)


def _report(tmp_path) -> tuple[int, object]:
    out = tmp_path / "monitor.xlsx"
    return cli.main(["report", "--as-of", "2025-09-30", "--xlsx", str(out)]), out


@pytest.mark.parametrize("text", MARKUP)
def test_report__markup_in_publisher_text_is_shown_literally_and_the_xlsx_written(
        hostile_fred, text, tmp_path, capsys):
    hostile_fred(text)
    with figures.measure("report_with_markup"):
        code, out = _report(tmp_path)
    shown = capsys.readouterr().out
    assert code in (0, 1) and out.is_file()
    assert "Yen range over two years" in shown
    assert text in " ".join(shown.split()), shown[-600:]


def test_report__control_codes_never_reach_the_terminal_or_the_xlsx(hostile_redirect, tmp_path,
                                                                    capsys):
    import openpyxl

    code, out = _report(tmp_path)
    shown = capsys.readouterr()
    assert "\x1b" not in shown.out + shown.err and "\x07" not in shown.out + shown.err
    cells = [cell.value for row in openpyxl.load_workbook(out)["Monitor"].iter_rows()
             for cell in row if isinstance(cell.value, str) and "d.example" in cell.value]
    assert cells and all("\x1b" not in value and "_x001B_" not in value for value in cells)


def test_report__formula_text_lands_in_the_xlsx_as_text(hostile_fred, tmp_path, capsys):
    import openpyxl

    hostile_fred("=cmd|' /C calc'!A0")
    code, out = _report(tmp_path)
    cells = [cell for row in openpyxl.load_workbook(out)["Monitor"].iter_rows() for cell in row
             if isinstance(cell.value, str) and "calc" in cell.value]
    assert cells and all(cell.data_type == "s" for cell in cells)


def test_status_and_refresh__control_codes_in_details_are_escaped(hostile_redirect, capsys):
    with pytest.raises(Exception):
        api.value("USDJPY", "2025-09-30")
    assert cli.main(["status"]) == 0
    assert cli.main(["refresh"]) != 0
    shown = capsys.readouterr()
    assert "d.example" in shown.out
    assert "\x1b" not in shown.out + shown.err and "\x07" not in shown.out + shown.err


def test_udf_log__a_100000_character_argument_is_logged_as_a_short_summary(monkeypatch,
                                                                           tmp_path):
    from udfs import decorator
    from udfs.functions import JP_VALUE

    monkeypatch.setattr(decorator, "log_file", lambda: tmp_path / "jpflows.log")
    monkeypatch.setattr(decorator, "_log_ready", False)
    huge = "JGB" + "x" * 100_000
    try:
        assert JP_VALUE(huge, [[1.0] * 500] * 200).startswith("#N/A")
    finally:
        for handler in list(decorator.log.handlers):
            handler.close()
            decorator.log.removeHandler(handler)
    lines = (tmp_path / "jpflows.log").read_text(encoding="utf-8").splitlines()
    assert lines and "JP_VALUE(" in lines[-1]
    assert max(len(line) for line in lines) < 1000, max(len(line) for line in lines)


def test_log_formatter__caps_and_keeps_one_record_on_one_line():
    from addin.text import CappedFormatter

    record = logging.LogRecord("addin.http", logging.WARNING, __file__, 1,
                               "FRED: %s", ("x" * 100_000 + "\nINFO forged line",), None)
    text = CappedFormatter("%(levelname)s %(message)s").format(record)
    assert len(text) < 2100 and "\n" not in text and "forged" not in text


def test_cli__verbose_logs_go_through_the_capped_formatter(engine_env, monkeypatch):
    import os
    import subprocess
    import sys
    from pathlib import Path

    from tests.fixtures.server import closed_port

    project = Path(__file__).resolve().parents[1]
    env = {**os.environ, "PYTHONPATH": str(project), "JPFLOWS_TIMEOUT": "0.5",
           "JPFLOWS_CSV_DESK": f"http://127.0.0.1:{closed_port()}/{'y' * 50_000}.csv"}
    done = subprocess.run([sys.executable, "-m", "addin.cli", "-v", "show", "DESK"], env=env,
                          cwd=project, capture_output=True, text=True, timeout=120)
    assert done.returncode == 2 and "CSV unreachable" in done.stderr
    err = done.stderr
    assert "WARNING" in err
    assert max((len(line) for line in err.splitlines()), default=0) < 2100


def test_cell__control_codes_in_a_publisher_message_are_shown_not_sent(hostile_fred):
    import udfs

    hostile_fred("\x1b[2J\x07 wiped")
    text = udfs.JP_VALUE("USDJPY", "2025-09-30")
    assert text.startswith("#N/A") and "\x1b" not in text and "\x07" not in text
    assert "\\x1b" in text
