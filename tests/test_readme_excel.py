"""The README's "Using it in Excel" steps: the commands run, and the names and messages it quotes
are the ones the workbook, its VBA and the package really use."""

from __future__ import annotations

import re
import shlex
import sys
from pathlib import Path

import openpyxl
import pytest

from addin import cli
from workbook import build, layout, vba

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")
SECTION = README[README.index("## Using it in Excel"):README.index("## Functions")]


def commands() -> list[list[str]]:
    """Every ``jpflows ...`` command of the section, in code spans and code blocks."""
    found = re.findall(r"`(jpflows [^`]+)`", SECTION)
    found += re.findall(r"^(jpflows [^#\n]+)", SECTION, re.M)
    return [shlex.split(command)[1:] for command in found]


def test_readme_excel__every_jpflows_command_parses():
    assert {"addin", "workbook", "doctor", "report"} <= {c[0] for c in commands()}
    for args in commands():
        cli.parser().parse_args(args)  # exits (fails the test) on a command that does not exist


def test_readme_excel__workbook_new_makes_the_files_it_promises(tmp_path, monkeypatch, capsys):
    args = next(c for c in commands() if c[:2] == ["workbook", "new"])
    monkeypatch.chdir(tmp_path)
    assert cli.main(args) == 0
    name = args[2]
    assert (tmp_path / f"{name}.xlsm").is_file() and (tmp_path / f"{name}.py").is_file()
    assert f"`{name}.xlsm`" in SECTION and f"`{name}.py`" in SECTION
    conf = openpyxl.load_workbook(tmp_path / f"{name}.xlsm", keep_vba=True)["xlwings.conf"]
    row = build.interpreter_entry(sys.executable, sys.platform)  # None where Excel does not run
    assert (conf["A5"].value, conf["B5"].value) == (row or (None, None))
    assert f"Created {tmp_path / name}.xlsm" in capsys.readouterr().out


def test_readme_excel__names_the_macros_and_functions_the_buttons_run():
    for caption, (macro, entry) in layout.BUTTONS.items():
        assert f"**{caption}**" in SECTION and f"`{macro}`" in SECTION and f"`{entry}()`" in SECTION


@pytest.mark.parametrize("quoted", [
    "File > Options > Trust Center > Trust Center Settings > Macro Settings",
    "Trust access to the VBA project object model",
    "#N/A JP_ functions run in Excel for Windows",
])
def test_readme_excel__quotes_what_the_workbook_says(quoted):
    assert quoted in vba.MACROS.read_text() and quoted in " ".join(SECTION.split())


def test_readme_excel__states_the_pinned_xlwings():
    pinned = re.search(r'"xlwings==([\d.]+)"', (ROOT / "pyproject.toml").read_text()).group(1)
    assert f"installs xlwings {pinned}" in SECTION
