"""Opening the cache: only the backend in use is imported, and a file unchanged since its last
clean check is not read through again."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path

import pytest

from addin import cache
from addin.config import Config

ROOT = Path(__file__).resolve().parents[1]


def _imported_after(code: str) -> set[str]:
    probe = (f"import sys\n{code}\n"
             "print(' '.join(sorted(m for m in sys.modules)))")
    done = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True,
                          text=True, timeout=120, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert done.returncode == 0, done.stderr[-800:]
    return set(done.stdout.split())


def test_import__sqlite_cache_loads_no_other_backend(tmp_path):
    loaded = _imported_after(
        "from pathlib import Path; from addin import cache; from addin.config import Config\n"
        f"cache.open_backend(Config(cache_dir=Path({str(tmp_path)!r})))")
    assert "requests_cache.backends.sqlite" in loaded
    assert not {"redis", "yaml", "requests_cache.backends.redis",
                "requests_cache.backends.mongodb"} & loaded


def test_import__a_redis_cache_still_gets_its_backend():
    loaded = _imported_after(
        "from pathlib import Path; from addin import cache; from addin.config import Config\n"
        "cache.open_backend(Config(cache_dir=Path('.'), cache='redis://127.0.0.1:1/0'))")
    assert {"redis", "requests_cache.backends.redis"} <= loaded


def test_import__other_threads_are_not_refused_a_module():
    from addin.imports import without

    import threading

    found = []
    with without(("json",)):  # already imported: never refused
        import json  # noqa: F401
        worker = threading.Thread(target=lambda: found.append(__import__("csv")))
        worker.start()
        worker.join()
    assert found and found[0].__name__ == "csv"


def test_without__refuses_only_in_its_own_thread():
    from addin.imports import without

    with without(("addin_no_such_module_either",)):
        with pytest.raises(ModuleNotFoundError, match="not used by jpflows"):
            __import__("addin_no_such_module_either")


@pytest.fixture
def checks(monkeypatch):
    """Every structural check SQLite is asked to run, counted."""
    calls = []
    original = cache._is_corrupt
    monkeypatch.setattr(cache, "_is_corrupt", lambda path: calls.append(path) or original(path))
    return calls


def _open_and_close(config: Config) -> None:
    """Open the cache, store one file as a download does, close it."""
    store = cache.Store(config)
    now = datetime.now(timezone.utc)
    store.put("https://example.org/a.csv", cache.stored("https://example.org/a.csv", b"x" * 500,
                                                       {}, now, None))
    store.backend.close()


def test_open__an_unchanged_file_is_not_checked_again(tmp_path, checks):
    config = Config(cache_dir=tmp_path)
    _open_and_close(config)  # creates the file: nothing to check yet
    cache.open_backend(config).close()
    assert len(checks) == 1
    cache.open_backend(config).close()
    cache.open_backend(config).close()
    assert len(checks) == 1


def test_open__a_changed_file_is_checked(tmp_path, checks):
    config = Config(cache_dir=tmp_path)
    _open_and_close(config)
    cache.open_backend(config).close()
    _open_and_close(config)  # another write since the clean check
    cache.open_backend(config).close()
    assert len(checks) == 2


def test_open__a_file_damaged_after_its_clean_check_is_still_set_aside(tmp_path, checks):
    config = Config(cache_dir=tmp_path)
    _open_and_close(config)
    cache.open_backend(config).close()
    path = tmp_path / cache.CACHE_FILE
    path.write_bytes(path.read_bytes()[:300])  # truncated: its size no longer matches
    cache.open_backend(config).close()
    assert len(list(tmp_path.glob(cache.CACHE_FILE + ".corrupt-*"))) == 1
