"""``jpflows serve``: a real uvicorn process answering what the desktop Excel functions return.

The server runs as ``python -m addin.cli serve`` on a free loopback port, in front of a local
publisher stand-in (``JPFLOWS_MIRROR``); the desktop values come from the same functions called
in this process against the same files.
"""

from __future__ import annotations

import math
from datetime import date, datetime
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import udfs
from udfs.decorator import served
from addin.cli import main as cli_main
from addin.server import LITE_ORIGINS, MAX_CELLS, ServerSettings, encode
from addin.errors import BadArgument
from tests.fixtures.desk_data import CALLS, DGS5
from tests.fixtures.desk_fixtures import desk, desktop, files, start_desk  # noqa: F401

TOKEN = "desk-token-42"
FOREIGN = "https://evil.example"


@pytest.fixture(scope="module")
def guarded(tmp_path_factory, files):
    server = start_desk(tmp_path_factory, files, JPFLOWS_SERVER_TOKEN=TOKEN,
                        JPFLOWS_SERVER_RATE="1", JPFLOWS_SERVER_BURST="4",
                        JPFLOWS_SERVER_MAX_BODY="2000",
                        JPFLOWS_CORS_ORIGINS="http://127.0.0.1:9, https://desk.example")
    yield server
    server.stop()


# -- what the server answers ------------------------------------------------------------------

@pytest.mark.parametrize("name,args", CALLS, ids=[f"{n}{i}" for i, (n, _) in enumerate(CALLS)])
def test_call__answers_what_the_desktop_function_returns(desk, desktop, name, args):
    assert desk.call(name, *args) == encode(desktop[name](*args))


def test_call__tables_are_rows_with_iso_dates(desk):
    table = desk.call("JP_SERIES", "FRED:DGS5", "2025-08-29", "2025-09-03")
    assert table == [["Date", "FRED:DGS5"], ["2025-08-29", 3.70], ["2025-09-02", 3.74],
                     ["2025-09-03", 3.71]]
    assert desk.call("JP_LOW", "FRED:DGS5") == [["2025-08-28", 3.66]]


def test_call__serial_and_iso_dates_give_the_same_answer(desk):
    assert desk.call("JP_VALUE", "FRED:DGS5", 45902) == desk.call(
        "JP_VALUE", "FRED:DGS5", "2025-09-02") == float(DGS5[3][1])


def test_call__failures_are_the_desktop_na_texts(desk):
    assert desk.call("JP_VALUE", "JGB7y5") == '#N/A Unknown series "JGB7y5"; try JP_SEARCH("JGB")'
    assert desk.call("JP_SERIES", "FRED:DGS5", None, None, 7).startswith("#N/A interval must")


def test_call__names_are_case_insensitive_like_excel(desk):
    assert desk.call("jp_hedged_yield", 1.13, 0.48, 4.30) == desk.call(
        "JP_HEDGED_YIELD", 1.13, 0.48, 4.30)


# -- refusals: 4xx with a clear JSON message --------------------------------------------------

def test_call__unknown_function_is_404(desk):
    status, body, _ = desk.request("POST", "/v1/call/JP_NOPE", {"args": []})
    assert status == 404 and 'unknown function "JP_NOPE"' in body["error"]


@pytest.mark.parametrize("body,message", [
    ({"args": [{"a": 1}]}, "argument 1: use a number, text"),
    ({"args": [1], "extra": 2}, 'unknown field "extra"'),
    ([1, 2], "body must be a JSON object"),
    ({"args": list(range(17))}, "at most 16 arguments"),
    ({"args": [[[[1]]]]}, "argument 1"),
])
def test_call__malformed_body_is_422(desk, body, message):
    status, answer, _ = desk.request("POST", "/v1/call/JP_VALUE", body)
    assert status == 422 and message in answer["error"], answer


def test_call__invalid_json_and_missing_content_type_are_explained(desk):
    import urllib.error
    import urllib.request

    for data, kind, message in ((b'{"args": [', "application/json", "not valid JSON"),
                                (b'{"args": []}', "text/plain", "Content-Type: application/json")):
        request = urllib.request.Request(desk.base + "/v1/call/JP_VALUE", data=data,
                                         headers={"Content-Type": kind})
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(request, timeout=30)
        assert refused.value.code == 422 and message in refused.value.read().decode()


def test_call__wrong_argument_count_names_the_arguments(desk):
    status, body, _ = desk.request("POST", "/v1/call/JP_CHANGE", {"args": ["JGB10Y"]})
    assert status == 422
    assert body["error"] == "JP_CHANGE takes (series, start_date, [end_date], [mode]); got 1 argument(s)"


def test_call__oversized_arguments_are_413(desk):
    rows = [[1.0, 2.0]] * (MAX_CELLS // 2 + 1)
    status, body, _ = desk.request("POST", "/v1/call/JP_RALLY", {"args": [rows]})
    assert status == 413 and "cells" in body["error"]
    status, body, _ = desk.request("POST", "/v1/call/JP_VALUE", {"args": ["X" * 500]})
    assert status == 413 and "longer than" in body["error"]


def test_call__body_over_the_limit_is_413(guarded):
    headers = {"Authorization": f"Bearer {TOKEN}"}
    status, body, _ = guarded.request("POST", "/v1/call/JP_RALLY",
                                      {"args": [[[1.0]] * 1000]}, headers)
    assert status == 413 and "2,000 bytes" in body["error"]


# -- other endpoints --------------------------------------------------------------------------

def test_status_search_functions_and_docs(desk):
    status, body, _ = desk.request("GET", "/v1/status")
    assert status == 200 and {row["source"] for row in body["sources"]} >= {"FRED", "MOF JGB"}
    status, body, _ = desk.request("GET", "/v1/search?q=JGB%2010")
    assert status == 200 and body["results"][0] == {
        "id": "JGB10Y", "kind": "series",
        "description": "JGB 10-year constant-maturity yield (MOF) [%]"}
    status, body, _ = desk.request("GET", "/v1/functions")
    assert [f["name"] for f in body["functions"]] == sorted(served())
    status, schema, _ = desk.request("GET", "/openapi.json")
    assert status == 200 and "/v1/call/{name}" in schema["paths"]


def test_docs_page_is_served(desk):
    import urllib.request

    with urllib.request.urlopen(desk.base + "/docs", timeout=30) as page:
        assert page.status == 200 and b"swagger" in page.read().lower()


def test_no_endpoint_takes_a_url_and_urls_are_not_fetched(desk, files):
    status, schema, _ = desk.request("GET", "/openapi.json")
    names = [p["name"] for path in schema["paths"].values() for op in path.values()
             for p in op.get("parameters", [])]
    assert set(names) == {"name", "q"}
    before = files.total()
    target = files.base + "/fred.stlouisfed.org/graph/fredgraph.csv?id=DGS5"
    answer = desk.call("JP_VALUE", target)
    assert answer.startswith("#N/A") and files.total() == before


def test_serve__binds_only_the_loopback_address(desk):
    listening = [line.split()[1] for name in ("/proc/net/tcp", "/proc/net/tcp6")
                 if Path(name).exists() for line in Path(name).read_text().splitlines()[1:]
                 if line.split()[3] == "0A"]  # state LISTEN
    ours = [address for address in listening if int(address.split(":")[1], 16) == desk.port]
    assert ours == ["0100007F:" + f"{desk.port:04X}"]  # 127.0.0.1 only


def test_serve__defaults_are_loopback_port_8765_one_worker():
    from addin.cli import parser

    args = parser().parse_args(["serve"])
    assert (args.host, args.port, args.workers) == ("127.0.0.1", 8765, 1)


# -- token, rate, origins ---------------------------------------------------------------------

def test_token__required_when_set(guarded):
    status, body, headers = guarded.request("GET", "/v1/status")
    assert status == 401 and "bearer token" in body["error"]
    assert headers["www-authenticate"] == "Bearer"
    assert guarded.request("GET", "/v1/status", headers={"Authorization": "Bearer wrong"})[0] == 401
    assert guarded.request("GET", "/v1/status",
                           headers={"Authorization": f"Bearer {TOKEN}"})[0] in (200, 429)


def test_rate__a_burst_past_the_limit_is_429_with_retry_after(guarded):
    headers = {"Authorization": f"Bearer {TOKEN}"}
    answers = [guarded.request("POST", "/v1/call/JP_HEDGED_YIELD", {"args": [1, 0.5, 4]},
                               headers) for _ in range(8)]
    refused = [a for a in answers if a[0] == 429]
    assert refused and answers[0][0] == 200
    assert "requests per second" in refused[0][1]["error"]
    assert int(refused[0][2]["retry-after"]) >= 1


def test_cors__lite_origin_is_allowed_by_default(desk):
    assert ServerSettings().origins == LITE_ORIGINS == ("https://addin.xlwings.org",)
    status, _, headers = desk.request("OPTIONS", "/v1/call/JP_VALUE", headers={
        "Origin": LITE_ORIGINS[0], "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type,authorization"})
    assert status == 200 and headers["access-control-allow-origin"] == LITE_ORIGINS[0]
    assert "authorization" in headers["access-control-allow-headers"].lower()
    status, body, headers = desk.request("POST", "/v1/call/JP_HEDGED_YIELD",
                                         {"args": [1, 0.5, 4]}, {"Origin": LITE_ORIGINS[0]})
    assert status == 200 and headers["access-control-allow-origin"] == LITE_ORIGINS[0]


def test_cors__a_foreign_origin_is_refused(desk):
    status, _, headers = desk.request("OPTIONS", "/v1/call/JP_VALUE", headers={
        "Origin": FOREIGN, "Access-Control-Request-Method": "POST"})
    assert status == 400 and "access-control-allow-origin" not in headers
    status, body, headers = desk.request("POST", "/v1/call/JP_VALUE", {"args": ["JGB10Y"]},
                                         {"Origin": FOREIGN})
    assert status == 403 and "JPFLOWS_CORS_ORIGINS" in body["error"]


def test_cors__origins_come_from_the_environment(guarded):
    allowed = guarded.request("OPTIONS", "/v1/status", headers={
        "Origin": "https://desk.example", "Access-Control-Request-Method": "GET"})
    lite = guarded.request("OPTIONS", "/v1/status", headers={
        "Origin": LITE_ORIGINS[0], "Access-Control-Request-Method": "GET"})
    assert allowed[0] == 200 and lite[0] == 400


def test_settings__a_bad_origin_stops_serve_with_a_message(monkeypatch, capsys):
    monkeypatch.setenv("JPFLOWS_CORS_ORIGINS", "addin.xlwings.org")
    with pytest.raises(BadArgument, match="not an origin"):
        ServerSettings.from_env()
    assert cli_main(["serve", "--port", "1"]) == 2
    assert "JPFLOWS_CORS_ORIGINS" in capsys.readouterr().err


# -- the encoder --------------------------------------------------------------------------------

def test_encode__dates_numbers_and_blanks():
    assert encode(datetime(2025, 9, 2)) == encode(date(2025, 9, 2)) == "2025-09-02"
    assert encode(pd.Timestamp("2025-09-02")) == "2025-09-02"
    assert encode([[np.float64(1.5), np.int64(2), np.bool_(True)]]) == [[1.5, 2, True]]
    assert encode([math.nan, np.nan, math.inf, None]) == [None, None, None, None]
    assert encode("#N/A No data") == "#N/A No data" and encode(False) is False


def test_encode__an_unknown_type_is_an_error_not_a_guess():
    with pytest.raises(TypeError, match="no JSON form"):
        encode(object())
