"""``jpflows doctor``: check the installation and say what to do about each problem.

Checks Python, xlwings, Excel (COM on Windows, the app on macOS; none on Linux), the cache
folder (and whether it holds anything yet), and whether each publisher answers (through
``JPFLOWS_MIRROR`` when set; skipped with ``JPFLOWS_OFFLINE=1``). A source that needs an API key
nobody set is skipped with the setting to make; one whose series are all replaced by the user's
``JPFLOWS_CSV_*`` files is not needed. The exit code is 0 when Python and the cache are usable
and every headline source (one behind the monitor) answers; Excel is reported, not required.
``jpflows doctor --live`` (:mod:`addin.doctor_live`) goes further: it downloads and parses.
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


def _probes() -> dict[str, tuple[object, str, dict[str, str]]]:
    """Per source name, (source, URL, headers) of the first request its download sends."""
    today = date.today()
    found = {}
    for source in REGISTRY.sources():
        key = source.probe_key(today)
        first = source.first_request(key) if key is not None else None
        if first is not None:
            found[source.name] = (source, *first)
    return found


PROBE_REQUESTS = _probes()
# One representative file per publisher: what the engine would download first.
PROBES = {name: url for name, (_, url, _) in PROBE_REQUESTS.items()}


@dataclass
class Check:
    """One verdict: OK, WARN (works without it), FAIL (must be fixed) or SKIP.

    ``headline``: a FAIL here means the monitor's own figures are missing (non-zero exit).
    """

    verdict: str
    what: str
    detail: str
    advice: str = ""
    headline: bool = False


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
    files = cached_files(config)
    if not files:
        return Check("OK", "Cache", f"{config.cache_label} writable, empty (nothing downloaded "
                                    "yet: the first use of each source needs the network)")
    return Check("OK", "Cache", f"{config.cache_label} writable, {files} files, {size / 1e6:.1f} MB")


def cached_files(config: Config) -> int:
    """How many publisher files the cache holds (0 when it does not exist yet)."""
    if not config.cache.startswith(("redis://", "rediss://")) and not (
            config.cache_dir / "http_cache.sqlite").is_file():
        return 0
    try:
        from addin.cache import Store

        return len(Store(config).backend.responses)
    except Exception:  # a cache that cannot be read holds nothing usable
        return 0


def _redis_cache(config: Config) -> Check:
    try:
        import redis

        redis.Redis.from_url(config.cache, socket_timeout=PROBE_TIMEOUT).ping()
    except Exception as exc:  # connection refused, auth, DNS: all mean "not usable"
        return Check("FAIL", "Cache", f"{config.cache_label} does not answer ({type(exc).__name__})",
                     "start Redis or set JPFLOWS_CACHE=sqlite")
    return Check("OK", "Cache", f"{config.cache_label} answers")


def not_configured(source, config: Config) -> Check | None:
    """A SKIP for a source whose API key is not set, or one whose series the user replaced."""
    wanted = source.credential
    if wanted is not None and not config.key(wanted.setting):
        return Check("SKIP", source.name, f"not configured: set {wanted.setting} to use it",
                     f"{wanted.how}; {wanted.cost}")
    replaced = replaced_by(source, config)
    if replaced:
        return Check("SKIP", source.name, "not needed: replaced by " + ", ".join(replaced))
    return None


def replaced_by(source, config: Config) -> list[str]:
    """The user's JPFLOWS_CSV_* settings, when they replace every id read from ``source``."""
    from addin.catalogue import declared

    series, flows = declared()
    needed = [s.id for s in series.values() if any(o.source == source.id for o in s.origins)]
    needed += [f.id for f in flows.values() if any(o.source == source.id for o in f.all_origins)]
    if not needed or not all(name.upper() in config.csv_files for name in needed):
        return []
    return [f"JPFLOWS_CSV_{name.upper()}" for name in needed]


def check_source(source, url: str, config: Config, headers: dict | None = None) -> Check:
    """Ask the publisher (or its mirror) for one file, with a short timeout."""
    if config.offline:
        return Check("SKIP", source.name, "not checked: JPFLOWS_OFFLINE=1 serves the cache only")
    skipped = not_configured(source, config)
    if skipped is not None:
        return skipped
    target = rewrite(url, config.mirror)
    via = " (via JPFLOWS_MIRROR)" if target != url else ""
    status = _probe(target, min(config.timeout, PROBE_TIMEOUT), headers, _key_parts(source, config))
    headline = bool(source.headline)
    if isinstance(status, int) and status < 400:
        return Check("OK", source.name, f"answers{via}, HTTP {status}", headline=headline)
    problem = f"HTTP {status}" if isinstance(status, int) else status
    return Check("FAIL", source.name, f"{problem}{via}",
                 network_advice(problem, bool(via), _has_copy(config, url)), headline=headline)


def network_advice(problem: str, mirrored: bool, cached: bool) -> str:
    """What to do when a publisher does not answer; the mirror is named only when one is set."""
    where = "the network, proxy or JPFLOWS_MIRROR" if mirrored else "the network or proxy"
    if problem.startswith("HTTP 4"):
        first = "the publisher refused the file (moved?); try later or report it"
    elif problem.startswith("HTTP"):
        first = "the publisher has trouble; try later"
    else:
        first = f"check {where}"
    then = ("its last good copy is still served" if cached else
            "nothing of it is cached yet, so its figures show #N/A")
    return f"{first}; {then}"


def _has_copy(config: Config, url: str) -> bool:
    if not cached_files(config):
        return False
    from addin.cache import Store

    return Store(config).get(url) is not None


def _key_parts(source, config: Config) -> tuple[dict[str, str], dict[str, str]]:
    """The API key as the source sends it: (headers, query parameters); never printed."""
    wanted = source.credential
    value = config.key(wanted.setting) if wanted else None
    if not value:
        return {}, {}
    return ({wanted.header: value} if wanted.header else {},
            {wanted.query: value} if wanted.query else {})


def _probe(url: str, timeout: float, sent: dict | None = None,
           key: tuple[dict, dict] = ({}, {})) -> int | str:
    headers = {"User-Agent": USER_AGENT, **(sent or {}), **key[0]}
    try:
        response = requests.head(url, timeout=timeout, allow_redirects=True, headers=headers,
                                 params=key[1])
        if response.status_code < 400:
            return response.status_code
        # Some servers refuse HEAD; a GET that reads nothing tells the truth.
        with requests.get(url, timeout=timeout, stream=True, headers=headers,
                          params=key[1]) as response:
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
    found += [check_source(source, url, config, headers)
              for source, url, headers in PROBE_REQUESTS.values()]
    return found


def run(console, environ=None, platform: str | None = None) -> int:
    """Print every check and what to do; 0 when Python, the cache and the headline sources are
    fine."""
    results = checks(environ, platform)
    for check in results:
        show(console, check)
    essential = [c for c in results if c.what in ("Python", "Cache", "Settings")]
    usable = all(c.verdict == "OK" for c in essential) and len(essential) >= 2
    failed = [c.what for c in results if c.verdict == "FAIL" and c.headline]
    if usable and not failed:
        console.print("Python and cache are fine.", markup=False)
    elif usable:
        console.print("Python and cache are fine, but these headline sources fail: "
                      + ", ".join(failed) + ".", markup=False)
    else:
        console.print("Fix the FAIL lines above.", markup=False)
    return 0 if usable and not failed else 1


def show(console, check: Check) -> None:
    """One check as a line, and what to do when it is not OK."""
    console.print(f"{check.verdict:<4}  {check.what:<18} {check.detail}", markup=False)
    if check.advice and check.verdict != "OK":
        console.print(f"      {'':<18} -> {check.advice}", markup=False)
