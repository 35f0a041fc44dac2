from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.fixtures.published import serve_realdata
from tests.fixtures.server import FaultServer, PublisherServer

REALDATA = Path(__file__).resolve().parents[1].parent / "shared" / "realdata"


@pytest.fixture(scope="session")
def realdata() -> Path:
    """The shared folder of real publisher files; tests using it skip when it is absent."""
    if not REALDATA.is_dir():
        pytest.skip(f"real publisher files not present at {REALDATA}")
    return REALDATA


@pytest.fixture
def publisher():
    """A local publisher server; serve(url, body) registers what a real URL answers."""
    server = PublisherServer().start()
    yield server
    server.stop()


@pytest.fixture
def server():
    """A local server that can also misbehave (slow, cut short, refused); see FaultServer."""
    running = FaultServer().start()
    yield running
    running.stop()


@pytest.fixture
def engine_env(tmp_path, monkeypatch, publisher):
    """Environment for an engine that talks only to the local publisher server."""
    monkeypatch.setenv("JPFLOWS_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("JPFLOWS_MIRROR", publisher.mirror())
    monkeypatch.setenv("JPFLOWS_CACHE", "sqlite")
    monkeypatch.setenv("JPFLOWS_OFFLINE", "0")
    monkeypatch.setenv("JPFLOWS_TIMEOUT", "5")
    for name in [n for n in __import__("os").environ if n.startswith("JPFLOWS_CSV_")]:
        monkeypatch.delenv(name)
    return publisher


@pytest.fixture(scope="module")
def real_engine(realdata, tmp_path_factory):
    """For a whole test module: an engine reading the real files through a local publisher."""
    from addin import api

    server = PublisherServer().start()
    with pytest.MonkeyPatch.context() as patch:
        for name in [n for n in os.environ if n.startswith("JPFLOWS_CSV_")]:
            patch.delenv(name)
        for name, value in {"JPFLOWS_CACHE_DIR": str(tmp_path_factory.mktemp("cache")),
                            "JPFLOWS_MIRROR": server.mirror(), "JPFLOWS_CACHE": "sqlite",
                            "JPFLOWS_OFFLINE": "0", "JPFLOWS_TIMEOUT": "5",
                            **serve_realdata(server, realdata)}.items():
            patch.setenv(name, value)
        api.use(None)
        try:
            yield server
        finally:
            api.use(None)
            server.stop()
