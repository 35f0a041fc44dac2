"""A file the command line cannot write is refused before any download or computation."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from addin.cli import main
from addin.cli_paths import refusal
from tests.test_report import served  # noqa: F401  (the real files behind the local server)

ROOT = Path(__file__).resolve().parents[1]


def _unwritable_file(tmp_path: Path) -> Path:
    """An existing file this process cannot open for writing.

    The superuser writes through file modes, so as root the test uses a kernel file that nobody
    may open for writing instead of a read-only copy.
    """
    if os.geteuid() != 0:
        locked = tmp_path / "locked.xlsx"
        locked.write_bytes(b"kept")
        locked.chmod(0o444)
        return locked
    if not Path("/proc/version").is_file():
        pytest.skip("running as root without /proc: no file here refuses the superuser")
    return Path("/proc/version")


def _bad_paths(tmp_path: Path) -> dict[str, Path]:
    (tmp_path / "plain").write_text("a file, not a folder")
    (tmp_path / "folder.xlsx").mkdir()
    return {"missing folder": tmp_path / "no" / "such" / "out.xlsx",
            "a folder": tmp_path / "folder.xlsx",
            "parent is a file": tmp_path / "plain" / "out.xlsx",
            "unwritable file": _unwritable_file(tmp_path)}


@pytest.mark.parametrize("case", ["missing folder", "a folder", "parent is a file",
                                  "unwritable file"])
def test_report__bad_xlsx_path_refused_before_any_request(served, tmp_path, capsys, case):
    bad = _bad_paths(tmp_path)[case]
    assert main(["report", "--xlsx", str(bad)]) == 2
    out, err = capsys.readouterr()
    assert served.total() == 0  # nothing was downloaded
    assert out == "" and len(err.strip().splitlines()) == 1, err
    assert err.startswith(f"jpflows report: error: cannot write {bad}: ")


def test_report__a_good_path_does_reach_the_server(served, tmp_path):
    # The counter the refusals rely on: the same command with a writable path asks the server.
    assert main(["report", "--as-of", "2025-09-30", "--xlsx", str(tmp_path / "ok.xlsx")]) == 0
    assert served.total() > 0 and (tmp_path / "ok.xlsx").stat().st_size > 0


def test_report__refusal_in_a_real_process_prints_no_traceback(served, tmp_path):
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-m", "addin.cli", "report", "--xlsx",
                           str(tmp_path / "no" / "such" / "out.xlsx")], env=env, cwd=tmp_path,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 2 and done.stdout == ""
    assert "Traceback" not in done.stderr and len(done.stderr.strip().splitlines()) == 1
    assert "does not exist" in done.stderr
    assert served.total() == 0


def test_doctor_live__json_into_a_folder_refused_before_any_request(served, tmp_path, capsys):
    (tmp_path / "out.json").mkdir()
    assert main(["doctor", "--live", "--json", str(tmp_path / "out.json")]) == 2
    assert "it is a folder" in capsys.readouterr().err
    assert served.total() == 0


def test_workbook_new__a_folder_in_the_way_is_refused_before_building(tmp_path, monkeypatch,
                                                                        capsys):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "desk.xlsm").mkdir()
    assert main(["workbook", "new", "desk"]) == 2
    assert "cannot write desk.xlsm: it is a folder" in capsys.readouterr().err
    assert not (tmp_path / "desk.py").exists()  # nothing of the pair was written


def test_bench__output_into_a_missing_folder_is_refused_before_measuring(tmp_path, capsys):
    target = tmp_path / "no" / "such" / "benchmarks.md"
    assert main(["bench", "--quick", "--output", str(target)]) == 2
    out, err = capsys.readouterr()
    assert out == ""  # a run would print one line per figure
    assert err.strip() == (f"jpflows bench: error: cannot write {target}: "
                           f"folder {target.parent} does not exist")


def test_refusal__a_new_file_in_a_good_folder_is_accepted_and_not_left_behind(tmp_path):
    assert refusal(tmp_path / "new.xlsx") is None
    assert not (tmp_path / "new.xlsx").exists()


def test_refusal__an_existing_file_is_accepted_unchanged(tmp_path):
    kept = tmp_path / "kept.xlsx"
    kept.write_bytes(b"previous monitor")
    assert refusal(kept) is None and kept.read_bytes() == b"previous monitor"


def test_refusal__empty_path():
    assert refusal("  ") == "the path is empty"
