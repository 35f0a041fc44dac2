"""``jpflows doctor``: check the installation and say what to do about each problem.

Checks Python, xlwings, Excel (COM on Windows, the app on macOS; none on Linux), the cache
folder, and whether each publisher answers (through ``JPFLOWS_MIRROR`` when set; skipped with
``JPFLOWS_OFFLINE=1``). The exit code is 0 when Python and the cache are usable: Excel and the
network are reported, not required, since the command line works without them and stale cached
data is served when a publisher is down.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import os
import sys
import tempfile
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import requests

from addin.config import Config
from addin.errors import AddinError
from addin.sources import REGISTRY
from addin.transport import USER_AGENT, rewrite

MIN_PYTHON = (3, 10)
PROBE_TIMEOUT = 5.0
MAC_EXCEL = Path("/Applications/Microsoft Excel.app")


def _probes() -> dict[str, tuple[str, dict[str, str]]]:
    """Per source, the first request its download sends (URL and headers), as the source sends it."""
    today = date.today()
    found = {}
    for source in REGISTRY.sources():
        key = source.probe_key(today)
        first = source.first_request(key) if key is not None else None
        if first is not None:
            found[source.name] = first
    return found


PROBE_REQUESTS = _probes()
# One representative file per publisher: what the engine would download first.
PROBES = {name: url for name, (url, _) in PROBE_REQUESTS.items()}


@dataclass
class Check:
    """One verdict: OK, WARN (works without it), FAIL (must be fixed) or SKIP."""

    verdict: str
    what: str
    detail: str
    advice: str = ""


def check_python() -> Check:
    version = ".".join(map(str, sys.version_info[:3]))
    if sys.version_info[:2] >= MIN_PYTHON:
        return Check("OK", "Python", f"{version} at {Path(sys.executable).name}")
    return Check("FAIL", "Python", f"{version} is too old",
                 f"install Python {MIN_PYTHON[0]}.{MIN_PYTHON[1]} or newer, then pip install jpflows")


def check_xlwings() -> Check:
    """Installed and findable; found without importing it, since the engine never does."""
    advice = "pip install xlwings (needed only for Excel; the CLI works without it)"
    try:
        found = importlib.util.find_spec("xlwings") is not None
        version = importlib.metadata.version("xlwings") if found else ""
    except (ImportError, ValueError, importlib.metadata.PackageNotFoundError) as exc:
        return Check("WARN", "xlwings", f"not importable ({type(exc).__name__})", advice)
    if not found:
        return Check("WARN", "xlwings", "not installed", advice)
    return Check("OK", "xlwings", f"version {version}")


def check_excel(platform: str | None = None) -> Check:
    platform = platform or sys.platform
    if platform.startswith("win"):
        return _windows_excel()
    if platform == "darwin":
        if MAC_EXCEL.exists():
            return Check("OK", "Excel", f"found {MAC_EXCEL}")
        return Check("WARN", "Excel", "Microsoft Excel.app not in /Applications",
                     "install Excel, or use the CLI and Python API")
    return Check("WARN", "Excel", f"not available on {platform}: Excel runs on Windows and macOS",
                 "use jpflows report / Python here; open the workbook on Windows or macOS")


def _windows_excel() -> Check:
    try:
        import win32com.client
    except ImportError:
        return Check("WARN", "Excel", "pywin32 is not installed, so Excel cannot be reached",
                     "pip install pywin32")
    try:
        excel = win32com.client.Dispatch("Excel.Application")
        return Check("OK", "Excel", f"Excel {excel.Version} answers over COM")
    except Exception as exc:  # COM errors have no common base class worth naming
        return Check("WARN", "Excel", f"COM dispatch failed ({type(exc).__name__})",
                     "install Excel, or repair Office; then run jpflows addin install")


def check_cache(config: Config) -> Check:
    """The cache folder can be written; its size."""
    if config.cache.startswith(("redis://", "rediss://")):
        return _redis_cache(config)
    try:
        config.cache_dir.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=config.cache_dir, prefix=".doctor-"):
            pass
    except OSError as exc:
        return Check("FAIL", "Cache", f"{config.cache_dir} is not writable ({exc.strerror})",
                     "set JPFLOWS_CACHE_DIR to a folder you can write")
    size = sum(p.stat().st_size for p in config.cache_dir.rglob("*") if p.is_file())
    return Check("OK", "Cache", f"{config.cache_label} writable, {size / 1e6:.1f} MB")


def _redis_cache(config: Config) -> Check:
    try:
        import redis

        redis.Redis.from_url(config.cache, socket_timeout=PROBE_TIMEOUT).ping()
    except Exception as exc:  # connection refused, auth, DNS: all mean "not usable"
        return Check("FAIL", "Cache", f"{config.cache_label} does not answer ({type(exc).__name__})",
                     "start Redis or set JPFLOWS_CACHE=sqlite")
    return Check("OK", "Cache", f"{config.cache_label} answers")


def check_source(name: str, url: str, config: Config, headers: dict | None = None) -> Check:
    """Ask the publisher (or its mirror) for one file, with a short timeout."""
    if config.offline:
        return Check("SKIP", name, "not checked: JPFLOWS_OFFLINE=1 serves the cache only")
    target = rewrite(url, config.mirror)
    via = " (via JPFLOWS_MIRROR)" if target != url else ""
    status = _probe(target, min(config.timeout, PROBE_TIMEOUT), headers)
    if isinstance(status, int) and status < 400:
        return Check("OK", name, f"answers{via}, HTTP {status}")
    problem = f"HTTP {status}" if isinstance(status, int) else status
    return Check("FAIL", name, f"{problem}{via}",
                 "check the network or proxy, or set JPFLOWS_MIRROR; cached data is still served")


def _probe(url: str, timeout: float, sent: dict | None = None) -> int | str:
    headers = {"User-Agent": USER_AGENT, **(sent or {})}
    try:
        response = requests.head(url, timeout=timeout, allow_redirects=True, headers=headers)
        if response.status_code < 400:
            return response.status_code
        # Some servers refuse HEAD; a GET that reads nothing tells the truth.
        with requests.get(url, timeout=timeout, stream=True, headers=headers) as response:
            return response.status_code
    except requests.Timeout:
        return "timed out"
    except requests.RequestException as exc:
        return f"unreachable ({type(exc).__name__})"


def checks(environ=None, platform: str | None = None) -> list[Check]:
    """Every check, in the order printed."""
    found = [check_python(), check_xlwings(), check_excel(platform)]
    try:
        config = Config.from_env(os.environ if environ is None else environ)
    except AddinError as exc:
        return found + [Check("FAIL", "Settings", str(exc), "fix the environment variable named")]
    found.append(check_cache(config))
    found += [check_source(name, url, config, headers)
              for name, (url, headers) in PROBE_REQUESTS.items()]
    return found


def run(console, environ=None, platform: str | None = None) -> int:
    """Print every check and what to do; 0 when Python and the cache are usable."""
    results = checks(environ, platform)
    for check in results:
        console.print(f"{check.verdict:<4}  {check.what:<18} {check.detail}", markup=False)
        if check.advice and check.verdict != "OK":
            console.print(f"      {'':<18} -> {check.advice}", markup=False)
    essential = [c for c in results if c.what in ("Python", "Cache", "Settings")]
    healthy = all(c.verdict == "OK" for c in essential) and len(essential) >= 2
    console.print("Python and cache are fine." if healthy else "Fix the FAIL lines above.",
                  markup=False)
    return 0 if healthy else 1
