"""Against the real publishers on the internet: `python -m pytest -m network`.

Deselected by default (CI and the test command have no network). The live check of
``jpflows doctor --live`` proves each source: its real file downloaded with the source's own
headers and key, accepted by the parser's layout check, and parsed into dates; then the answers
are checked for plausibility. A keyed source without its key set is skipped with the setting.
"""

from __future__ import annotations

import os

import pytest

from addin import api, doctor_live
from addin.config import Config
from addin.sources import REGISTRY

pytestmark = pytest.mark.network


@pytest.fixture(scope="module")
def proofs(tmp_path_factory) -> dict:
    environ = {k: v for k, v in os.environ.items()
               if k not in ("JPFLOWS_MIRROR", "JPFLOWS_OFFLINE")}
    environ["JPFLOWS_CACHE_DIR"] = str(tmp_path_factory.mktemp("live-cache"))
    return {proof.source: proof for proof in doctor_live.live(Config.from_env(environ))}


@pytest.mark.parametrize("source_id", [s for s in REGISTRY.ids() if s != "csv"])
def test_live__source_downloads_and_its_layout_is_accepted(proofs, source_id):
    proof = proofs[REGISTRY[source_id].name]
    if proof.verdict == "SKIP":
        pytest.skip(f"{proof.source}: {proof.layout} ({proof.advice})")
    assert proof.verdict == "OK", f"{proof.layout}; {proof.advice}; {proof.requests}"
    assert proof.status == 200 and proof.layout == "accepted" and proof.last is not None


def test_live__doctor_passes_on_every_headline_source(proofs):
    failing = [p.source for p in proofs.values() if p.verdict == "FAIL" and p.headline]
    assert failing == []


@pytest.fixture(autouse=True)
def live_engine(tmp_path, monkeypatch):
    monkeypatch.setenv("JPFLOWS_CACHE_DIR", str(tmp_path / "cache"))
    for name in ("JPFLOWS_MIRROR", "JPFLOWS_OFFLINE"):
        monkeypatch.delenv(name, raising=False)
    api.use(None)
    yield
    api.use(None)


@pytest.mark.parametrize("series_id, low, high", [
    ("JGB10Y", -1.0, 10.0), ("UST5Y", 0.0, 15.0), ("SOFR", 0.0, 15.0), ("TONA", -1.0, 10.0),
    ("USDJPY", 50.0, 400.0), ("TOPIX", 500.0, 20_000.0), ("NIKKEI225", 5_000.0, 200_000.0),
])
def test_live__latest_value_is_plausible(series_id, low, high):
    assert low < api.value(series_id) < high


@pytest.mark.parametrize("flow_id", ["MOF:Foreign:Equity", "BOP:Foreign:Equity", "JPX:Foreigners"])
def test_live__latest_flow_period_is_recent(flow_id):
    end, amount = api.flow(flow_id)
    assert end.year >= 2025
    assert abs(amount) < 100_000  # JPY bn
