"""Security properties: JSON cache rows, TLS on, size caps, http(s)-only mirrors, no secrets shown."""

from __future__ import annotations

import base64
import gzip
import json
import logging
import re
import sqlite3
from pathlib import Path

import pytest

from addin.config import Config, parse_mirror
from addin.errors import BadArgument, SourceUnavailable
from addin.cache import CACHE_FILE, Store
from addin.http import Fetcher
from addin.transport import build_session
from tests.fixtures.server import Reply, closed_port

PROJECT = Path(__file__).resolve().parents[1]
CODE_DIRS = ("addin", "udfs", "workbook")
URL = "https://fred.stlouisfed.org/graph/fredgraph.csv?id=SOFR"
GOOD = b"observation_date,SOFR\n2025-09-30,4.24\n"


@pytest.fixture
def config(server, tmp_path) -> Config:
    return Config(cache_dir=tmp_path, mirror=parse_mirror(server.mirror()), timeout=1,
                  recheck_seconds=0, max_response_bytes=1_000_000)


def _code_files():
    for folder in CODE_DIRS:
        yield from sorted((PROJECT / folder).rglob("*.py"))


def test_cache__sqlite_rows_are_json_never_pickle(server, config):
    server.serve(URL, GOOD)
    fetcher = Fetcher(config)
    fetcher.get(URL)
    fetcher.store.backend.close()
    with sqlite3.connect(config.cache_dir / CACHE_FILE) as db:
        rows = [value for (value,) in db.execute("SELECT value FROM responses")]
    db.close()
    assert len(rows) == 1
    raw = rows[0].encode() if isinstance(rows[0], str) else bytes(rows[0])
    assert not raw.startswith(b"\x80")  # every pickle protocol >= 2 starts so
    stored = json.loads(rows[0])
    assert stored["status_code"] == 200
    assert base64.b64decode(stored["_content"]) == GOOD


def test_cache__serializer_is_json(tmp_path):
    serializer = Store(Config(cache_dir=tmp_path)).backend.responses.serializer
    assert serializer.name == "json"
    assert not serializer.is_binary


def test_code__nothing_imports_pickle_or_its_kin():
    pattern = re.compile(r"^\s*(?:import|from)\s+(?:c?pickle|dill|shelve|marshal|joblib)\b"
                         r"|serializer\s*=\s*['\"]pickle", re.MULTILINE)
    offenders = [str(path.relative_to(PROJECT)) for path in _code_files()
                 if pattern.search(path.read_text(encoding="utf-8"))]
    assert offenders == []


def test_code__tls_verification_is_never_turned_off():
    pattern = re.compile(r"verify\s*=\s*False|CERT_NONE|disable_warnings|_create_unverified")
    offenders = [str(path.relative_to(PROJECT)) for path in _code_files()
                 if pattern.search(path.read_text(encoding="utf-8"))]
    assert offenders == []


def test_session__verifies_certificates(tmp_path):
    assert build_session(Config(cache_dir=tmp_path)).verify is True


def test_size_cap__large_response_is_refused_and_cache_kept(server, config):
    server.serve(URL, GOOD)
    fetcher = Fetcher(config)
    fetcher.get(URL)
    server.serve(URL, GOOD + b"2025-10-01,4.30\n" * 100_000)
    fetcher.revalidate = True
    assert fetcher.get(URL, source="FRED") == GOOD
    assert fetcher.records[URL].error == "larger than 1,000,000 bytes"
    fetcher.revalidate = False
    assert Fetcher(config).get(URL) == GOOD


def test_size_cap__applies_to_the_unzipped_size(server, config):
    bomb = gzip.compress(b"0" * 20_000_000)  # 20 kB on the wire, 20 MB unpacked
    server.serve(URL, Reply(bomb, headers={"Content-Encoding": "gzip"}))
    with pytest.raises(SourceUnavailable, match="larger than 1,000,000 bytes"):
        Fetcher(config).get(URL, source="FRED")


def test_redirect__to_a_local_file_is_not_followed(server, config):
    server.serve(URL, Reply(b"", 302, {"Location": "file:///etc/passwd"}))
    with pytest.raises(SourceUnavailable, match="FRED") as caught:
        Fetcher(config).get(URL, source="FRED")
    assert "root:" not in str(caught.value)


@pytest.mark.parametrize("target", ["file:///etc/passwd", "ftp://mirror.example.com/pub",
                                    "javascript:alert(1)", "data:text/csv,1", "gopher://x",
                                    "http://", "//host.example.com/path", "C:\\mirror"])
def test_mirror__non_http_target_is_bad_argument(target):
    with pytest.raises(BadArgument, match="not an http"):
        Config.from_env({"JPFLOWS_MIRROR": f"https://www.mof.go.jp={target}",
                         "JPFLOWS_CACHE_DIR": "/tmp/x"})


@pytest.mark.parametrize("origin", ["file:///etc", "javascript:void(0)"])
def test_mirror__non_http_origin_is_bad_argument(origin):
    with pytest.raises(BadArgument):
        parse_mirror(f"{origin}=http://127.0.0.1:8000")


def test_mirror__message_does_not_echo_a_password():
    with pytest.raises(BadArgument) as caught:
        parse_mirror("https://www.mof.go.jp=ftp://user:hunter2@mirror.example.com")
    assert "hunter2" not in str(caught.value)


def test_redis_url__password_never_in_label_repr_or_errors(tmp_path):
    config = Config(cache_dir=tmp_path, cache="redis://:hunter2@127.0.0.1:6390/0")
    assert "hunter2" not in config.cache_label
    assert "hunter2" not in repr(config) and "hunter2" not in str(config)
    typo = Config(cache_dir=tmp_path, cache="rediss:/:hunter2@127.0.0.1:6390/0")
    with pytest.raises(SourceUnavailable) as caught:
        Store(typo)
    assert "hunter2" not in str(caught.value)


def test_logs__credentials_in_a_url_are_redacted(tmp_path, caplog):
    caplog.set_level(logging.DEBUG)
    url = f"http://analyst:hunter2@127.0.0.1:{closed_port()}/desk/topix.csv"
    with pytest.raises(SourceUnavailable):
        Fetcher(Config(cache_dir=tmp_path, timeout=0.5)).get(url, source="CSV")
    assert "failed: unreachable" in caplog.text
    assert "hunter2" not in caplog.text
