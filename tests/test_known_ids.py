"""Ids resolved once are kept beside the store: a new engine resolves them without the catalogue,
and only while the declaring code and the CSV settings are the same."""

from __future__ import annotations

from dataclasses import replace

import pytest

from addin import catalogue
from addin.config import Config
from addin.engine import Engine
from addin.errors import UnknownSeries
from addin.known_ids import FILE, KnownIds, _decoded, _encoded


@pytest.fixture
def config(tmp_path) -> Config:
    return Config(cache_dir=tmp_path)


def test_encoding__every_declared_spec_comes_back_equal():
    series, flows = catalogue.declared()
    for spec in [*series.values(), *flows.values()]:
        assert _decoded(_encoded(spec)) == spec


def test_known__a_new_engine_resolves_a_kept_id_without_the_catalogue(config):
    first = Engine(config)
    spec, flow = first.spec("jgb10y"), first.flow_spec("JPX:Foreigners")
    later = Engine(config)
    assert later.spec(" JGB10Y") == spec and later.flow_spec("jpx:foreigners") == flow
    assert later._catalogue is None


def test_known__an_unknown_id_is_still_refused_and_not_kept(config):
    engine = Engine(config)
    with pytest.raises(UnknownSeries):
        engine.spec("NOSUCHSERIES")
    assert KnownIds(config.cache_dir / "arrays", {}).get("series", "NOSUCHSERIES") is None


def test_known__changed_code_or_csv_settings_void_what_was_kept(config, monkeypatch, tmp_path):
    Engine(config).spec("TONA")
    csv = tmp_path / "tona.csv"
    csv.write_text("date,value\n2025-01-06,0.25\n", encoding="ascii")
    with_csv = Engine(replace(config, csv_files={"TONA": str(csv)}))
    assert with_csv.spec("TONA").origins[0].source == "csv"  # the user's file, not the BOJ's
    monkeypatch.setattr(KnownIds, "signature", lambda self: ["other code"])
    later = Engine(config)
    later.spec("TONA")
    assert later._catalogue is not None


def test_known__a_damaged_file_means_asking_the_catalogue(config):
    Engine(config).spec("SOFR")
    (config.cache_dir / "arrays" / FILE).write_bytes(b'{"format": 1, "signature": [[')
    later = Engine(config)
    assert later.spec("SOFR").id == "SOFR" and later._catalogue is not None


def test_known__a_kept_entry_of_a_foreign_shape_is_ignored(config):
    Engine(config).spec("SOFR")
    known = KnownIds(config.cache_dir / "arrays", {})
    known._table()["series"]["SOFR"] = {"series": {"no_such_field": 1}}
    assert known.get("series", "SOFR") is None
