"""The command line's progress bars reach their end, whatever came of each file."""

from __future__ import annotations

import io
import re
from contextlib import contextmanager

import pytest
from rich.console import Console

from addin import api, cli
from addin.cli_progress import steps
from tests.fixtures.server import Reply

SOFR = "https://fred.stlouisfed.org/graph/fredgraph.csv?id=SOFR"


@pytest.fixture
def terminal(monkeypatch):
    """Every console the command line opens writes to one string, as a terminal would see it."""
    screen = io.StringIO()
    monkeypatch.setattr(cli, "_console", lambda: Console(file=screen, force_terminal=True,
                                                          width=120, color_system=None))
    return screen


@pytest.fixture
def mixed(engine_env):
    """A refresh where one file is OK, one fails and the rest of the monitor's files are absent."""
    from tests.fixtures import fred as fred_files

    engine_env.serve(SOFR, fred_files.current_layout("SOFR", [("2025-10-01", "4.30")]))
    engine_env.serve("https://fred.stlouisfed.org/graph/fredgraph.csv?id=DGS5",
                     Reply(b"", 500))
    api.use(None)
    yield engine_env
    api.use(None)


def _percentages(screen: io.StringIO) -> list[int]:
    return [int(p) for p in re.findall(r"(\d+)%", screen.getvalue())]


def test_refresh__bar_reaches_100_percent_when_files_fail(mixed, terminal, capsys):
    assert cli.main(["refresh"]) == 1  # some files failed...
    outcome = capsys.readouterr().out
    assert "OK" in outcome and "failed" in outcome
    shown = _percentages(terminal)
    assert shown and shown[-1] == 100  # ...and each of them still counted as done


def test_refresh__bar_counts_every_file_once(mixed, terminal, monkeypatch, capsys):
    seen = []
    real = cli.steps

    @contextmanager
    def watched(*args, **kwargs):
        with real(*args, **kwargs) as bar:
            seen.append(bar)
            yield bar

    monkeypatch.setattr(cli, "steps", watched)
    cli.main(["refresh"])
    files = len(capsys.readouterr().out.strip().splitlines())
    state = seen[0].state  # the task after the block closed
    assert state.completed == state.total == files


def test_steps__the_engines_last_report_is_one_short_and_finish_fills_it():
    screen = io.StringIO()
    with steps(Console(file=screen, force_terminal=True, width=80), "Work") as bar:
        for i in range(11):
            bar(i, 11, f"file {i}")
        before = bar.state.completed
    assert before == 10 and bar.state.completed == bar.state.total == 11
    assert _percentages(screen)[-1] == 100
