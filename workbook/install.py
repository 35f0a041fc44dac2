"""``jpflows addin install``: set up xlwings so every workbook of this user sees the JP_* functions.

On Windows and macOS this runs xlwings' own add-in installer (``python -m xlwings addin install``)
and then writes two entries into the user's ``~/.xlwings/xlwings.conf``: the Python interpreter to
run, and "UDF Modules" = ``udfs`` so "Import Functions" finds the JP_* functions. Other entries in
that file are kept. On Linux there is no Excel, so it says what it would do and stops.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

UDF_MODULES = "udfs"
CONF_NAME = Path(".xlwings") / "xlwings.conf"


def conf_entries(interpreter: str, platform: str, udf_modules: str = UDF_MODULES) -> dict[str, str]:
    """The entries xlwings reads (its keys are upper case), for Windows or macOS."""
    key = "INTERPRETER_MAC" if platform == "darwin" else "INTERPRETER_WIN"
    return {key: interpreter, "UDF MODULES": udf_modules}


def conf_text(entries: dict[str, str], existing: str = "") -> str:
    """xlwings' ``"KEY","value"`` lines: ``existing`` with ``entries`` replaced or added."""
    lines, seen = [], set()
    for line in existing.splitlines():
        key = line.split(",", 1)[0].strip().strip('"').upper()
        if key in entries:
            lines.append(_line(key, entries[key]))
            seen.add(key)
        elif line.strip():
            lines.append(line)
    lines += [_line(key, value) for key, value in entries.items() if key not in seen]
    return "".join(line + "\n" for line in lines)


def _line(key: str, value: str) -> str:
    return f'"{key}","{value}"'


def install(console, platform: str | None = None, home: Path | None = None, run=subprocess.run) -> int:
    """Install the xlwings add-in and point it at the JP_* functions; 0 on success."""
    platform = platform or sys.platform
    conf = (home or Path.home()) / CONF_NAME
    entries = conf_entries(sys.executable, platform)
    if not platform.startswith(("win", "darwin")):
        return _explain_linux(console, conf, entries)
    result = run([sys.executable, "-m", "xlwings", "addin", "install"], capture_output=True,
                 text=True)
    if result.returncode != 0:
        console.print(f"xlwings addin install failed:\n{(result.stderr or result.stdout).strip()}",
                      markup=False)
        console.print("Close Excel and try again; see https://docs.xlwings.org/en/stable/addin.html",
                      markup=False)
        return 1
    conf.parent.mkdir(parents=True, exist_ok=True)
    existing = conf.read_text(encoding="utf-8") if conf.exists() else ""
    conf.write_text(conf_text(entries, existing), encoding="utf-8")
    console.print(f"Installed the xlwings add-in and wrote {conf}.", markup=False)
    console.print("In Excel: xlwings tab > Import Functions, then type =JP_SEARCH(\"JGB\").",
                  markup=False)
    return 0


def _explain_linux(console, conf: Path, entries: dict[str, str]) -> int:
    console.print("Excel does not run on Linux, so there is no add-in to install here.", markup=False)
    console.print("On Windows or macOS this command would:", markup=False)
    console.print(f"  1. run: {sys.executable} -m xlwings addin install", markup=False)
    console.print(f"  2. write to {conf}:", markup=False)
    for line in conf_text(entries).splitlines():
        console.print(f"       {line}", markup=False)
    console.print("Here, use the same numbers from the command line (jpflows report) or from "
                  "Python (from addin import api).", markup=False)
    return 1
