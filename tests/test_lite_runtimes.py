"""The Lite edition in the runtimes a colleague has: Pyodide, and a browser that enforces CORS.

* Pyodide: the npm package ``pyodide`` under Node runs ``workbook/lite/main.py`` against a live
  ``jpflows serve``; the answers must be the desktop functions' (``pyodide.http.pyfetch`` path).
* Chromium (headless, Debian's package): a page served from a second local origin calls the
  server with ``fetch`` as Lite does; the allowed origin reads the answer, a foreign origin is
  refused by the browser and its call never runs.

``.ci/run`` installs Node's package and Chromium; each test skips, saying why, only when its
runtime is not installed. ``JPFLOWS_PYODIDE`` names the pyodide package folder.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from addin.server import encode
from tests.fixtures import fred as fred_files
from tests.fixtures.desk_data import CALLS, FRED_URL
from tests.fixtures.desk_fixtures import desk, desktop, files, start_desk  # noqa: F401
from workbook import lite_edition

HERE = Path(__file__).resolve().parent / "fixtures" / "lite"
DEFAULT_PYODIDE = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / \
    "jpflows-ci" / "node_modules" / "pyodide"
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                  "--no-first-run", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync"]


def _pyodide() -> tuple[str, Path]:
    node = shutil.which("node")
    if node is None:
        pytest.skip("Node.js is not installed (apt-get install nodejs; .ci/run does it)")
    folder = Path(os.environ.get("JPFLOWS_PYODIDE") or DEFAULT_PYODIDE)
    if not (folder / "pyodide.mjs").is_file():
        pytest.skip(f"the npm package pyodide is not at {folder} "
                    f"(npm install --prefix {folder.parent.parent} pyodide; .ci/run does it)")
    return node, folder


def test_pyodide__main_py_answers_the_desktop_values(desk, desktop, tmp_path):
    node, folder = _pyodide()
    calls = tmp_path / "calls.json"
    calls.write_text(json.dumps(CALLS))
    done = subprocess.run([node, str(HERE / "run_in_pyodide.mjs"), str(folder),
                           str(lite_edition.MAIN), desk.base, str(calls)],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    answer = json.loads(done.stdout.strip().splitlines()[-1])
    assert answer["pyfetch"] and not answer["urllib"]  # the browser's fetch, not a socket
    for (name, args), got in zip(CALLS, answer["results"], strict=True):
        wanted = encode(desktop[name](*args))
        if isinstance(wanted, str) and wanted.startswith("#N/A"):
            assert got == {"error": wanted}, (name, args)
        else:
            assert got == {"value": wanted}, (name, args)


class PageServer:
    """A second local origin: serves the CORS page and receives what the page could read."""

    def __init__(self) -> None:
        self.page = ""  # set once the server it calls is known
        self.reports: list = []
        self.arrived = threading.Event()
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
                body = owner.page.encode()
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_POST(self) -> None:  # noqa: N802
                owner.reports.append(json.loads(self.rfile.read(
                    int(self.headers["Content-Length"]))))
                owner.arrived.set()
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args) -> None:
                pass

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self._httpd.serve_forever, daemon=True).start()

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self._httpd.server_address[1]}"

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()


def _chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None:
        pytest.skip("Chromium is not installed (apt-get install chromium; .ci/run does it)")
    return found


def _visit(browser: str, page: PageServer, profile: Path) -> list:
    """Open the page in headless Chromium until it reports (or a minute passes)."""
    process = subprocess.Popen([browser, *CHROMIUM_FLAGS, f"--user-data-dir={profile}",
                                page.origin + "/page.html"], stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        page.arrived.wait(60)
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)
    assert page.reports, "the page never reported: Chromium did not run it"
    return {item["label"]: item for item in page.reports[0]}


def _page(server: str, series: str) -> str:
    text = (HERE / "cors_page.html").read_text(encoding="utf-8")
    return text.replace("__SERVER__", server).replace("__SERIES__", series)


def test_chromium__allowed_origin_reads_foreign_origin_is_refused(tmp_path_factory, files,
                                                                  desktop, tmp_path):
    browser = _chromium()
    files.serve(FRED_URL.format("CORSONLY"),
                fred_files.current_layout("CORSONLY", [("2025-09-02", "2.5")]))
    allowed, foreign = PageServer(), PageServer()
    server = start_desk(tmp_path_factory, files, JPFLOWS_CORS_ORIGINS=allowed.origin)
    try:
        allowed.page = _page(server.base, "FRED:DGS5")
        foreign.page = _page(server.base, "FRED:CORSONLY")
        good = _visit(browser, allowed, tmp_path / "profile-allowed")
        bad = _visit(browser, foreign, tmp_path / "profile-foreign")
    finally:
        server.stop()
        allowed.stop()
        foreign.stop()
    # The JSON POST needs a preflight: reading its answer proves the preflight was answered.
    assert good["call"] == {"label": "call", "read": True, "status": 200,
                            "body": {"value": encode(desktop["JP_VALUE"]("FRED:DGS5",
                                                                          "2025-09-02"))}}
    assert good["status"]["read"] and good["status"]["status"] == 200
    assert not bad["call"]["read"] and "Failed to fetch" in bad["call"]["error"]
    assert not bad["status"]["read"]
    assert files.count(FRED_URL.format("CORSONLY")) == 0  # the refused call never ran
