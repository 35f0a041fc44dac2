"""Settings from the environment and ``jpflows.toml``: parsing, validation, redaction."""

from __future__ import annotations

from pathlib import Path

import pytest

from addin import config as config_module
from addin.config import Config, parse_mirror, redact_url
from addin.errors import BadArgument

BASE = {"JPFLOWS_CACHE_DIR": "/tmp/jpflows-test-cache"}


@pytest.fixture(autouse=True)
def no_toml(monkeypatch, tmp_path):
    """Each test decides whether a ``jpflows.toml`` exists; the user's real one is never read."""
    monkeypatch.setattr(config_module, "config_file", lambda: tmp_path / "jpflows.toml")
    return tmp_path / "jpflows.toml"


def test_from_env__defaults():
    config = Config.from_env(BASE)
    assert (config.cache, config.offline, config.timeout, config.mirror) == ("sqlite", False, 20, ())
    assert config.cache_dir == Path("/tmp/jpflows-test-cache")
    assert config.max_response_bytes == 64 * 1024 * 1024


@pytest.mark.parametrize("text,expected", [("1", True), ("TRUE", True), (" yes ", True),
                                           ("on", True), ("0", False), ("no", False), ("", False)])
def test_from_env__offline_flag(text, expected):
    assert Config.from_env({**BASE, "JPFLOWS_OFFLINE": text}).offline is expected


def test_from_env__timeout_accepts_fractions():
    assert Config.from_env({**BASE, "JPFLOWS_TIMEOUT": "0.25"}).timeout == 0.25


@pytest.mark.parametrize("text", ["abc", "0", "-1", "nan", "inf", "-inf", ""])
def test_from_env__bad_timeout_is_bad_argument(text):
    with pytest.raises(BadArgument, match="JPFLOWS_TIMEOUT"):
        Config.from_env({**BASE, "JPFLOWS_TIMEOUT": text})


def test_from_env__blank_cache_means_sqlite():
    assert Config.from_env({**BASE, "JPFLOWS_CACHE": "  "}).cache == "sqlite"


def test_from_env__csv_files_by_upper_case_name():
    env = {**BASE, "JPFLOWS_CSV_topix": "/data/topix.csv", "JPFLOWS_CSV_EMPTY": " "}
    assert dict(Config.from_env(env).csv_files) == {"TOPIX": "/data/topix.csv"}


def test_from_env__toml_file_is_read_and_environment_wins(no_toml):
    no_toml.write_text('JPFLOWS_TIMEOUT = 7\njpflows_offline = "1"\n', encoding="utf-8")
    assert Config.from_env(BASE).timeout == 7
    assert Config.from_env(BASE).offline is True
    assert Config.from_env({**BASE, "JPFLOWS_TIMEOUT": "3"}).timeout == 3


def test_parse_mirror__pairs_without_trailing_slashes():
    pairs = parse_mirror(" https://www.mof.go.jp/ = http://127.0.0.1:8000/mof/ ;"
                         "https://stooq.com=https://proxy.example.com/stooq;")
    assert pairs == (("https://www.mof.go.jp", "http://127.0.0.1:8000/mof"),
                     ("https://stooq.com", "https://proxy.example.com/stooq"))


def test_parse_mirror__entry_without_equals_is_bad_argument():
    with pytest.raises(BadArgument, match="not origin=replacement"):
        parse_mirror("https://www.mof.go.jp")


def test_parse_mirror__empty_is_no_mirror():
    assert parse_mirror(" ; ;") == ()


@pytest.mark.parametrize("url,shown", [
    ("redis://:hunter2@cache.desk:6379/0", "redis://:***@cache.desk:6379/0"),
    ("redis://team:hunter2@cache.desk:6379/0", "redis://team:***@cache.desk:6379/0"),
    ("rediss://team:hun@ter2@cache.desk/0", "rediss://team:***@cache.desk/0"),
    ("redis://cache.desk:6379/0?password=hunter2&db=1", "redis://cache.desk:6379/0?password=***&db=1"),
    ("redis://cache.desk:6379/0", "redis://cache.desk:6379/0"),
    ("sqlite", "sqlite"),
])
def test_redact_url__hides_passwords(url, shown):
    assert redact_url(url) == shown


def test_redact_url__unreadable_url_shows_nothing():
    assert "hunter2" not in redact_url("redis://:hunter2@[::1/0")


def test_cache_label__sqlite_file_or_redacted_redis(tmp_path):
    assert Config(cache_dir=tmp_path).cache_label == str(tmp_path / "http_cache.sqlite")
    redis = Config(cache_dir=tmp_path, cache="redis://:hunter2@127.0.0.1:6379/0")
    assert redis.cache_label == "redis://:***@127.0.0.1:6379/0"


def test_repr__hides_redis_password_and_mirror_credentials(tmp_path):
    config = Config(cache_dir=tmp_path, cache="redis://:hunter2@h:1/0",
                    mirror=(("https://stooq.com", "https://u:hunter3@proxy.example.com"),))
    assert "hunter2" not in repr(config) and "hunter3" not in repr(config)
    assert "redis://:***@h:1/0" in repr(config)
