"""A damaged SQLite cache is set aside and rebuilt with a warning; it never crashes a lookup."""

from __future__ import annotations

import logging
import os
import random
import sqlite3
import threading
from pathlib import Path

import pytest

from addin import api
from addin.config import Config, parse_mirror
from addin.errors import SourceUnavailable
from addin.cache import CACHE_FILE, _set_aside_if_corrupt
from addin.http import Fetcher
from tests.fixtures import fred as fred_files
from tests.fixtures.server import FaultServer

URLS = [f"https://fred.stlouisfed.org/graph/fredgraph.csv?id=S{i}" for i in range(12)]
BODY = fred_files.current_layout("S0", [(f"2025-09-{d:02d}", "4.2") for d in range(1, 29)] * 30)


@pytest.fixture
def server():
    running = FaultServer().start()
    for url in URLS:
        running.serve(url, BODY)
    yield running
    running.stop()


@pytest.fixture
def config(server, tmp_path) -> Config:
    return Config(cache_dir=tmp_path, mirror=parse_mirror(server.mirror()), timeout=1,
                  recheck_seconds=0)


def _filled_cache(config: Config) -> Path:
    """A cache holding every URL, checkpointed so that all rows live in the main file."""
    fetcher = Fetcher(config)
    for url in URLS:
        fetcher.get(url)
    fetcher.store.backend.close()
    path = config.cache_dir / CACHE_FILE
    db = sqlite3.connect(path)
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()
    return path


def _garble(data: bytes, start: int, seed: int = 7) -> bytes:
    noise = random.Random(seed).randbytes(len(data) - start)
    return data[:start] + noise


DAMAGE = {
    "garbage": lambda data: random.Random(1).randbytes(8192),
    "truncated": lambda data: data[: len(data) // 2],
    "garbled_pages": lambda data: _garble(data, 4096 * 2),
    "header_only": lambda data: data[:100],
}


@pytest.mark.parametrize("damage", DAMAGE)
def test_open__damaged_file_is_set_aside_and_rebuilt(config, server, damage, caplog):
    path = _filled_cache(config)
    path.write_bytes(DAMAGE[damage](path.read_bytes()))
    before = server.total()
    fetcher = Fetcher(config)
    assert [fetcher.get(url) for url in URLS] == [BODY] * len(URLS)
    assert "was corrupt; moved to" in caplog.text
    assert len(list(config.cache_dir.glob(CACHE_FILE + ".corrupt-*"))) == 1
    assert server.total() - before == len(URLS)


def test_open__empty_file_is_a_usable_new_cache(config, caplog):
    config.cache_dir.mkdir(parents=True, exist_ok=True)
    (config.cache_dir / CACHE_FILE).write_bytes(b"")
    assert Fetcher(config).get(URLS[0]) == BODY
    assert "corrupt" not in caplog.text


def test_open__healthy_file_is_kept(config, server):
    _filled_cache(config)
    before = server.total()
    assert Fetcher(config).get(URLS[3]) == BODY
    assert server.total() == before
    assert not list(config.cache_dir.glob("*.corrupt-*"))


def test_open__busy_file_is_not_taken_for_corrupt(config, monkeypatch):
    path = config.cache_dir / "busy.sqlite"
    config.cache_dir.mkdir(parents=True, exist_ok=True)
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("CREATE TABLE t (x)")
    holder.execute("BEGIN EXCLUSIVE")
    impatient = sqlite3.connect
    monkeypatch.setattr(sqlite3, "connect", lambda p, timeout=5: impatient(p, timeout=0.05))
    try:
        assert _set_aside_if_corrupt(path) is False
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert path.exists()


def test_read__garbled_row_counts_as_missing_and_is_downloaded_again(config, server):
    path = _filled_cache(config)
    db = sqlite3.connect(path)
    db.execute("UPDATE responses SET value = ?", (b'{"status_code": 200, "_content": ',))
    db.commit()
    db.close()
    before = server.total()
    fetcher = Fetcher(config)
    assert fetcher.get(URLS[0]) == BODY
    assert server.total() == before + 1
    assert fetcher.get(URLS[0]) == BODY
    assert server.total() == before + 1  # the new copy replaced the garbled row


def test_read__row_of_wrong_shape_counts_as_missing(config, server):
    path = _filled_cache(config)
    db = sqlite3.connect(path)
    db.execute("UPDATE responses SET value = ?", (b'{"status_code": "two hundred"}',))
    db.commit()
    db.close()
    assert Fetcher(config).get(URLS[1]) == BODY


def test_read__garbled_row_with_publisher_down_is_a_clear_message(config, server):
    path = _filled_cache(config)
    db = sqlite3.connect(path)
    db.execute("UPDATE responses SET value = ?", (b"\x00\xff not json",))
    db.commit()
    db.close()
    down = Config(cache_dir=config.cache_dir, mirror=parse_mirror(
        "https://fred.stlouisfed.org=http://127.0.0.1:9"), timeout=0.5)
    with pytest.raises(SourceUnavailable, match="FRED unreachable, nothing cached"):
        Fetcher(down).get(URLS[0], source="FRED")


def test_read__file_damaged_while_open_is_rebuilt(config, server, caplog):
    path = _filled_cache(config)
    fetcher = Fetcher(config)
    assert fetcher.get(URLS[0]) == BODY
    data = path.read_bytes()
    path.write_bytes(_garble(data, 4096 * 2))
    caplog.set_level(logging.WARNING)
    assert [fetcher.get(url) for url in URLS[1:]] == [BODY] * (len(URLS) - 1)
    assert "read failed" in caplog.text and "was corrupt; moved to" in caplog.text
    assert fetcher.get(URLS[1]) == BODY  # the rebuilt cache keeps what it was given


def test_api__lookup_over_a_garbage_cache_answers_with_a_warning(engine_env, monkeypatch, caplog):
    engine_env.serve("https://fred.stlouisfed.org/graph/fredgraph.csv?id=SOFR",
                     fred_files.current_layout("SOFR", [("2025-09-30", "4.24")]))
    cache_dir = Path(os.environ["JPFLOWS_CACHE_DIR"])
    cache_dir.mkdir(parents=True)
    (cache_dir / CACHE_FILE).write_bytes(b"SQLite format 3\x00" + b"\x13" * 5000)
    api.use(None)
    try:
        assert api.value("SOFR", "2025-09-30") == 4.24
    finally:
        api.use(None)
    assert "was corrupt" in caplog.text


def test_open__unusable_cache_folder_falls_back_to_memory(server, tmp_path, caplog):
    not_a_folder = tmp_path / "cache-is-a-file"
    not_a_folder.write_text("x")
    config = Config(cache_dir=not_a_folder, mirror=parse_mirror(server.mirror()), timeout=1)
    fetcher = Fetcher(config)
    assert fetcher.get(URLS[0]) == BODY
    assert fetcher.get(URLS[0]) == BODY
    assert server.count(URLS[0]) == 1  # the memory cache still answers the second time
    assert "caching in memory only" in caplog.text


def test_read__two_threads_meeting_one_damaged_file_rebuild_it_once(config, server, caplog):
    path = _filled_cache(config)
    fetcher = Fetcher(config)
    fetcher.get(URLS[0])
    path.write_bytes(_garble(path.read_bytes(), 4096 * 2))
    caplog.set_level(logging.WARNING)
    threads = [threading.Thread(target=fetcher.get, args=(url,)) for url in URLS[1:]]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert caplog.text.count("was corrupt; moved to") == 1
    assert len(list(config.cache_dir.glob(CACHE_FILE + ".corrupt-*"))) == 1
    assert [Fetcher(config).get(url) for url in URLS[1:]] == [BODY] * (len(URLS) - 1)
