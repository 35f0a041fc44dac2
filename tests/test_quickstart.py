"""The README's two commands, run as a new user runs them.

The first (`pip install . && jpflows report`) is run in two halves: the package is built and
installed from this checkout into a fresh folder, with nothing else, and its files are all there;
then the installed ``jpflows report`` runs in a new process from an empty cache against the local
stand-in of every publisher (the real files, ending months before today). The second command is
what ``.ci/run`` runs.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.test_report import SECTION_DATES, published_months_ago, served  # noqa: F401

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def readme_commands() -> list[str]:
    """The commands of the README's first code block, without their comments."""
    block = re.search(r"```bash\n(.*?)```", README, re.S).group(1)
    return [line.split("#")[0].strip() for line in block.splitlines() if line.strip()]


def test_quickstart__the_readme_opens_with_exactly_two_commands():
    install_and_report, run_tests = readme_commands()
    assert install_and_report == "pip install . && jpflows report"
    assert run_tests == 'pip install -e ".[test]" && python -m pytest'
    assert README.index("```bash") < README.index("## ")  # at the top, before any section


def test_quickstart__ci_runs_the_readme_test_command():
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8").replace(" -q ", " ")
    assert readme_commands()[1] in ci.splitlines()[-1]


def test_quickstart__pip_install_dot_carries_everything_the_package_needs(tmp_path):
    target = tmp_path / "site"
    build = subprocess.run(
        # Offline: the build backend comes from the test environment, not from an index.
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-build-isolation",
         "--no-index", "--target", str(target), str(ROOT)],
        capture_output=True, text=True, timeout=600, cwd=tmp_path)
    assert build.returncode == 0, build.stderr[-2000:]
    for packaged in ("workbook/jpflows_template.xlsm", "workbook/xlwings.conf",
                     "workbook/jpflows.bas", "workbook/lite/main.py",
                     "workbook/lite/requirements.txt", "addin/sources/base.py",
                     "addin/queries/series.py", "udfs/functions.py"):
        assert (target / packaged).is_file(), packaged
    assert not (target / "tests").exists()  # the tests are not installed
    env = {**os.environ, "PYTHONPATH": str(target)}
    shown = subprocess.run([sys.executable, "-m", "addin.cli", "--help"], capture_output=True,
                           text=True, timeout=120, cwd=tmp_path, env=env)
    assert shown.returncode == 0 and "report" in shown.stdout, shown.stderr


def test_quickstart__jpflows_report_from_a_clean_cache(published_months_ago, tmp_path):
    command = shutil.which("jpflows")
    if command is None:
        pytest.skip("the jpflows console script is not installed (pip install -e .)")
    env = {name: value for name, value in os.environ.items() if not name.startswith("JPFLOWS_")}
    env.update({name: value for name, value in os.environ.items()
                if name.startswith(("JPFLOWS_MIRROR", "JPFLOWS_CSV_"))})
    env.update(JPFLOWS_CACHE_DIR=str(tmp_path / "fresh-cache"), COLUMNS="200")
    done = subprocess.run(shlex.split(readme_commands()[0].split("&&")[1]), executable=command,
                          capture_output=True, text=True, timeout=600, cwd=tmp_path, env=env)
    assert done.returncode == 0, done.stderr[-2000:]
    words = " ".join(done.stdout.split())
    for title, day in SECTION_DATES.items():
        assert f"{title} (as of {day})" in words, title
    assert "unavailable" not in words
