"""``jpflows doctor``: every check reported, with a verdict and what to do."""

from __future__ import annotations

import socket

import pytest
from rich.console import Console

from addin import doctor


def console() -> Console:
    return Console(record=True, width=200, force_terminal=False)


def environ(tmp_path, **extra) -> dict[str, str]:
    return {"JPFLOWS_CACHE_DIR": str(tmp_path / "cache"), "JPFLOWS_TIMEOUT": "3", **extra}


def socket_port() -> int:
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        return closed.getsockname()[1]


def line_of(text: str, name: str) -> str:
    return next(line for line in text.splitlines() if f" {name} " in f" {line} ")


def test_doctor__offline_skips_every_source_and_passes(tmp_path):
    out = console()
    assert doctor.run(out, environ(tmp_path, JPFLOWS_OFFLINE="1"), platform="linux") == 0
    text = out.export_text()
    for name in doctor.PROBES:
        assert line_of(text, name).startswith("SKIP"), name
    assert line_of(text, "Python").startswith("OK")
    assert line_of(text, "Cache").startswith("OK") and "writable" in text
    assert "Python and cache are fine." in text


def test_doctor__each_source_through_the_mirror(tmp_path, publisher):
    for name in ("MOF JGB", "FRED", "BOJ"):
        publisher.serve(doctor.PROBES[name], b"date,value\n")
    out = console()
    # Headline sources fail here, so the doctor fails (it used to pass with every source down).
    assert doctor.run(out, environ(tmp_path, JPFLOWS_MIRROR=publisher.mirror()), "linux") == 1
    text = out.export_text()
    for name in ("MOF JGB", "FRED", "BOJ"):
        assert line_of(text, name).startswith("OK"), name
        assert "via JPFLOWS_MIRROR" in line_of(text, name)
    for name in ("JPX", "MOF weekly", "US Treasury"):
        assert line_of(text, name).startswith("FAIL") and "HTTP 404" in line_of(text, name)
    # Stooq needs a key nobody set: skipped, with the setting to make.
    assert line_of(text, "Stooq").startswith("SKIP") and "JPFLOWS_STOOQ_KEY" in text
    # The cache is empty: nothing is "still served".
    assert "cached data is still served" not in text and "nothing of it is cached yet" in text
    assert "headline sources fail: US Treasury, MOF weekly" in text
    assert publisher.count(doctor.PROBES["FRED"]) == 1  # HEAD refused, one GET answered


def test_doctor__an_empty_cache_is_told_from_a_full_one(tmp_path, publisher):
    settings = environ(tmp_path, JPFLOWS_MIRROR=publisher.mirror())
    empty = doctor.checks(settings, "linux")
    assert "empty (nothing downloaded yet" in next(c for c in empty if c.what == "Cache").detail
    from addin.cache import Store, stored
    from addin.config import Config
    from datetime import datetime, timezone

    config = Config.from_env(settings)
    Store(config).put(doctor.PROBES["JPX"], stored(doctor.PROBES["JPX"], b"<html/>", {},
                                                    datetime.now(timezone.utc), None))
    full = doctor.checks(settings, "linux")
    assert "writable, 1 files" in next(c for c in full if c.what == "Cache").detail
    jpx = next(c for c in full if c.what == "JPX")
    assert jpx.verdict == "FAIL" and "its last good copy is still served" in jpx.advice
    mof = next(c for c in full if c.what == "MOF weekly")
    assert "nothing of it is cached yet" in mof.advice


def test_doctor__without_a_mirror_the_advice_never_names_it(tmp_path):
    mirror = f"https://127.0.0.1:1=http://127.0.0.1:{socket_port()}"  # nothing is rewritten
    results = doctor.checks(environ(tmp_path, JPFLOWS_MIRROR=mirror, JPFLOWS_TIMEOUT="1"),
                            "linux")
    failed = [c for c in results if c.verdict == "FAIL"]
    assert failed and all("JPFLOWS_MIRROR" not in f"{c.detail} {c.advice}" for c in failed)


def test_doctor__sources_replaced_by_the_users_files_are_not_needed(tmp_path, publisher,
                                                                      realdata):
    settings = environ(tmp_path, JPFLOWS_MIRROR=publisher.mirror(), JPFLOWS_STOOQ_KEY="k",
                       JPFLOWS_CSV_TOPIX=str(realdata / "equity_index/derived/topix_jpx_official_closes.csv"),
                       JPFLOWS_CSV_NIKKEI225=str(realdata / "equity_index/derived/nikkei225_closes.csv"))
    stooq = next(c for c in doctor.checks(settings, "linux") if c.what == "Stooq")
    assert stooq.verdict == "SKIP"
    assert stooq.detail == "not needed: replaced by JPFLOWS_CSV_NIKKEI225, JPFLOWS_CSV_TOPIX"


def test_doctor__a_keyed_source_is_asked_with_its_key(tmp_path, server):
    from addin.sources import jquants

    server.serve(doctor.PROBES["J-Quants"], b'{"data": []}')
    settings = environ(tmp_path, JPFLOWS_MIRROR=server.mirror(), JPFLOWS_JQUANTS_KEY="jq-1")
    check = next(c for c in doctor.checks(settings, "linux") if c.what == "J-Quants")
    assert check.verdict == "OK"
    assert [h.get("x-api-key") for path, h in server.seen if "jquants" in path] == ["jq-1"]
    assert doctor.PROBES["J-Quants"] == jquants.url_for("topix")


def test_doctor__unreachable_publisher_is_reported(tmp_path):
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    mirror = f"https://fred.stlouisfed.org=http://127.0.0.1:{port}"
    check = doctor.checks(environ(tmp_path, JPFLOWS_MIRROR=mirror), "linux")
    fred = next(c for c in check if c.what == "FRED")
    assert fred.verdict == "FAIL" and fred.detail.startswith("unreachable")


def test_doctor__unwritable_cache_fails_with_advice(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    out = console()
    assert doctor.run(out, {"JPFLOWS_CACHE_DIR": str(blocker / "cache"),
                            "JPFLOWS_OFFLINE": "1"}, "linux") == 1
    text = out.export_text()
    assert line_of(text, "Cache").startswith("FAIL")
    assert "set JPFLOWS_CACHE_DIR" in text and "Fix the FAIL lines above." in text


def test_doctor__bad_setting_fails(tmp_path):
    out = console()
    assert doctor.run(out, environ(tmp_path, JPFLOWS_MIRROR="not a pair"), "linux") == 1
    assert "JPFLOWS_MIRROR" in line_of(out.export_text(), "Settings")


@pytest.mark.parametrize("platform, verdict, words", [
    ("linux", "WARN", "not available on linux"),
    ("darwin", None, "Excel"),
])
def test_doctor__excel_by_platform(platform, verdict, words):
    check = doctor.check_excel(platform)
    assert words in f"{check.what} {check.detail}"
    if verdict:
        assert check.verdict == verdict and "Windows" in check.advice


def test_doctor__windows_without_pywin32_says_install_it(monkeypatch):
    import builtins

    real_import = builtins.__import__

    def no_win32(name, *args, **kwargs):
        if name.startswith("win32com"):
            raise ImportError(name)
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_win32)
    check = doctor.check_excel("win32")
    assert check.verdict == "WARN" and check.advice == "pip install pywin32"


def test_doctor__xlwings_version_is_shown():
    import xlwings

    check = doctor.check_xlwings()
    assert check.verdict == "OK" and xlwings.__version__ in check.detail


def test_doctor__probes_the_files_the_sources_download():
    from addin.sources import REGISTRY, boj, fred, mof_bop, mof_jgb, mof_weekly, stooq

    assert set(doctor.PROBES) == {REGISTRY[s].name for s in REGISTRY.ids() if s != "csv"}
    assert doctor.PROBES["MOF JGB"] == mof_jgb.HISTORY_URL
    assert doctor.PROBES["FRED"] == fred.URL.format(series_id="SOFR")
    assert doctor.PROBES["MOF weekly"] == mof_weekly.URL
    assert doctor.PROBES["MOF BoP portfolio"] == mof_bop.PAGE_URL  # the page that lists the files
    assert doctor.PROBES["Stooq"] == stooq.TOPIX_URL
    assert doctor.PROBES["BOJ"].startswith(boj.API_URL + "?")
