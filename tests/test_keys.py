"""API keys: asked for by name, sent only on the wire, never written anywhere a person can read."""

from __future__ import annotations

import logging

import pytest

from addin import api
from addin.config import Config
from addin.errors import KeyMissing
from tests.fixtures import stooq as stooq_files

SECRET = "s3cr3t-K3Y-9f2c1e"
STOOQ_TOPIX = "https://stooq.com/q/d/l/?s=^tpx&i=d"


@pytest.fixture
def keyed(tmp_path, monkeypatch, server):
    """An engine talking to a local server that records every request (path and headers)."""
    monkeypatch.setenv("JPFLOWS_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("JPFLOWS_MIRROR", server.mirror())
    monkeypatch.setenv("JPFLOWS_TIMEOUT", "5")
    for name in ("JPFLOWS_OFFLINE", "JPFLOWS_STOOQ_KEY", "JPFLOWS_JQUANTS_KEY"):
        monkeypatch.delenv(name, raising=False)
    api.use(None)
    yield server
    api.use(None)


def _texts(engine) -> str:
    """Everything a person could read about the engine's downloads."""
    return repr([engine.config, list(engine.fetcher.records.values()), api.status()])


def test_config__keys_are_read_but_never_shown(tmp_path):
    config = Config.from_env({"JPFLOWS_CACHE_DIR": str(tmp_path), "JPFLOWS_STOOQ_KEY": SECRET,
                              "JPFLOWS_JQUANTS_KEY": " " + SECRET + "2 "})
    assert config.key("JPFLOWS_STOOQ_KEY") == SECRET
    assert config.key("JPFLOWS_JQUANTS_KEY") == SECRET + "2"
    assert config.key("JPFLOWS_NOSUCH_KEY") is None
    assert SECRET not in repr(config) and SECRET not in str(config)


def test_no_key__nothing_is_asked_and_the_cell_names_the_setting(keyed):
    keyed.serve(STOOQ_TOPIX, stooq_files.topix_csv())
    with pytest.raises(KeyMissing) as missing:
        api.column("TOPIX")
    assert "JPFLOWS_STOOQ_KEY" in str(missing.value)
    assert keyed.total() == 0


def test_status__a_source_without_its_key_says_which_setting(keyed):
    rows = {row["source"]: row for row in api.status()}
    assert rows["J-Quants"]["state"] == "no key"
    assert rows["J-Quants"]["detail"].startswith("optional; set JPFLOWS_JQUANTS_KEY")
    assert rows["Stooq"]["state"] == "no key"
    assert rows["FRED"]["state"] == "not loaded"


def test_stooq_key__travels_in_the_request_only(keyed, monkeypatch, caplog):
    monkeypatch.setenv("JPFLOWS_STOOQ_KEY", SECRET)
    api.use(None)
    keyed.serve(STOOQ_TOPIX + "&apikey=" + SECRET, stooq_files.topix_csv())
    caplog.set_level(logging.DEBUG)
    assert api.value("TOPIX", "2025-04-07") == 2288.66
    [(path, _)] = [seen for seen in keyed.seen if "stooq" in seen[0]]
    assert path.endswith("&apikey=" + SECRET)  # on the wire
    engine = api.engine()
    info = api.info("TOPIX")
    assert info["url"] == STOOQ_TOPIX and SECRET not in repr(info)
    assert SECRET not in _texts(engine)
    assert SECRET not in caplog.text
    assert engine.fetcher.cached(STOOQ_TOPIX) is not None  # stored under the keyless URL


def test_stooq_key__a_refused_request_says_so_without_the_key(keyed, monkeypatch, caplog):
    monkeypatch.setenv("JPFLOWS_STOOQ_KEY", SECRET)
    api.use(None)
    keyed.serve(STOOQ_TOPIX + "&apikey=" + SECRET, stooq_files.proof_of_work_page())
    caplog.set_level(logging.DEBUG)
    with pytest.raises(Exception) as failed:
        api.value("TOPIX", "2025-04-07")
    assert "proof-of-work" in str(failed.value) and SECRET not in str(failed.value)
    assert SECRET not in _texts(api.engine()) and SECRET not in caplog.text


def test_snapshot_provenance__has_no_key(keyed, monkeypatch, tmp_path):
    from workbook import snapshot

    monkeypatch.setenv("JPFLOWS_STOOQ_KEY", SECRET)
    api.use(None)
    keyed.serve(STOOQ_TOPIX + "&apikey=" + SECRET, stooq_files.topix_csv())
    rows = snapshot.provenance(['=JP_VALUE("TOPIX","2025-04-07")'])
    assert rows and rows[0]["source"] == "Stooq"
    assert SECRET not in repr(rows)


def test_config__a_key_may_come_from_jpflows_toml(tmp_path, monkeypatch):
    from addin import config as config_module

    toml = tmp_path / "jpflows.toml"
    toml.write_text(f'JPFLOWS_JQUANTS_KEY = "{SECRET}"\n', encoding="utf-8")
    monkeypatch.setattr(config_module, "config_file", lambda: toml)
    config = Config.from_env({"JPFLOWS_CACHE_DIR": str(tmp_path)})
    assert config.key("JPFLOWS_JQUANTS_KEY") == SECRET and SECRET not in repr(config)


@pytest.mark.parametrize("host, in_flight, per_second", [
    ("api.jquants.com", 1, 5 / 60),  # the free plan: 5 calls a minute
    ("indexes.nikkei.co.jp", 1, 1.0), ("markets.newyorkfed.org", 1, 1.0),
    ("stooq.com", 1, 1.0), ("fred.stlouisfed.org", 2, 2.0),
    ("www.stat-search.boj.or.jp", 1, 1.0),
])
def test_limits__every_source_declares_its_hosts_limits(host, in_flight, per_second):
    from addin.sources import REGISTRY

    limits = REGISTRY.limits(host)
    assert (limits.in_flight, limits.per_second) == (in_flight, pytest.approx(per_second))


def test_refresh__leaves_out_sources_whose_key_is_not_set(keyed):
    outcome = api.refresh()  # nothing loaded yet: the headline files of every source
    names = {name.split(" ")[0] for name in outcome}
    assert "Stooq" not in names and "J-Quants" not in names
    assert "FRED" in names and not any("stooq" in path for path, _ in keyed.seen)
