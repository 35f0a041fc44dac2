"""The persisted store of parsed frames: round trips, and damage or foreign files as misses."""

from __future__ import annotations

import io
import json
import zipfile

import numpy as np
import pandas as pd
import pytest

from addin import arrays
from addin.persisted import Head, ParsedStore, Part

FINGERPRINT = "0123456789abcdef0123456789abcdef"


def flow_frame() -> pd.DataFrame:
    columns = pd.MultiIndex.from_tuples(
        [("Prime", "Foreigners", "net"), ("Prime", "Foreigners", "buy"), ("All", "海外投資家", "x")],
        names=["market", "investor", "measure"])
    index = pd.DatetimeIndex(["2026-09-04", "2026-09-11"], name="date").as_unit("us")
    return pd.DataFrame([[1.5, 2.0, np.nan], [-3.25, 4.0, 7.0]], index=index, columns=columns)


def series_frame() -> pd.DataFrame:
    index = pd.DatetimeIndex(["2025-01-01", "2025-01-02", "2025-01-03", "2025-01-06"], name="date")
    return pd.DataFrame({"10Y": [1.1, 1.2, np.nan, 1.4], "2Y": [0.5, 0.6, 0.7, 0.8]}, index=index)


@pytest.fixture
def store(tmp_path) -> ParsedStore:
    return ParsedStore(tmp_path / "arrays")


def entry(store: ParsedStore, suffix: str):
    return store._stem("jpx", "", FINGERPRINT).with_name(
        store._stem("jpx", "", FINGERPRINT).name + suffix)


@pytest.mark.parametrize("make", [flow_frame, series_frame])
def test_frame__round_trip_keeps_labels_index_and_values(store, make):
    frame = make()
    store.put_frame("jpx", "", FINGERPRINT, frame)
    found = store.frame("jpx", "", FINGERPRINT)
    pd.testing.assert_frame_equal(found, frame, check_column_type=False)
    assert found.index.dtype == frame.index.dtype and found.index.name == "date"


def test_frame__other_fingerprint_or_key_is_a_miss(store):
    store.put_frame("jpx", "", FINGERPRINT, flow_frame())
    assert store.frame("jpx", "", "f" * 32) is None
    assert store.frame("jpx", "monthly", FINGERPRINT) is None
    assert store.frame("fred", "", FINGERPRINT) is None


def test_frame__a_frame_plain_arrays_cannot_hold_is_not_kept(store):
    frame = series_frame().assign(note=["a", "b", "c", "d"])
    store.put_frame("jpx", "", FINGERPRINT, frame)
    assert store.frame("jpx", "", FINGERPRINT) is None
    assert not list(store.folder.rglob("*.npz"))


DAMAGE = {
    "garbage": lambda data: b"PK\x03\x04" + bytes(range(256)) * 8,
    "truncated": lambda data: data[: len(data) // 2],
    "empty": lambda data: b"",
    "bit_flips": lambda data: data[:40] + bytes(b ^ 0x5A for b in data[40:200]) + data[200:],
}


@pytest.mark.parametrize("damage", DAMAGE)
def test_frame__damaged_npz_is_a_miss_never_an_error(store, damage):
    store.put_frame("jpx", "", FINGERPRINT, flow_frame())
    path = entry(store, ".npz")
    path.write_bytes(DAMAGE[damage](path.read_bytes()))
    assert store.frame("jpx", "", FINGERPRINT) is None


@pytest.mark.parametrize("text", ['{"format": 1, "source": "jpx"', "", "[1, 2, 3]", "\xff\xfe"])
def test_frame__damaged_labels_are_a_miss(store, text):
    store.put_frame("jpx", "", FINGERPRINT, flow_frame())
    entry(store, ".json").write_text(text, encoding="latin-1")
    assert store.frame("jpx", "", FINGERPRINT) is None


def test_frame__labels_that_do_not_fit_the_arrays_are_a_miss(store):
    store.put_frame("jpx", "", FINGERPRINT, flow_frame())
    path = entry(store, ".json")
    meta = json.loads(path.read_text(encoding="utf-8"))
    meta["columns"]["labels"] = meta["columns"]["labels"][:2]
    path.write_text(json.dumps(meta), encoding="utf-8")
    assert store.frame("jpx", "", FINGERPRINT) is None


def _npz(**members) -> bytes:
    buffer = io.BytesIO()
    np.savez(buffer, **members)
    return buffer.getvalue()


def test_frame__object_arrays_are_refused_unread(store):
    store.put_frame("jpx", "", FINGERPRINT, series_frame())
    frame = series_frame()
    entry(store, ".npz").write_bytes(_npz(index=frame.index.values,
                                          values=np.array([[{"x": 1}]] * 4, dtype=object)))
    assert store.frame("jpx", "", FINGERPRINT) is None


def test_frame__a_header_promising_more_than_the_file_holds_is_refused(store, monkeypatch):
    store.put_frame("jpx", "", FINGERPRINT, series_frame())
    path = entry(store, ".npz")
    with zipfile.ZipFile(path) as archive:
        members = {info.filename: archive.read(info) for info in archive.infolist()}
    forged = io.BytesIO()
    np.lib.format.write_array_header_1_0(
        forged, {"descr": "<f8", "fortran_order": False, "shape": (400_000_000_000, 2)})
    members["values.npy"] = forged.getvalue() + b"\0" * 64
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    read = []
    original = arrays.np.frombuffer
    monkeypatch.setattr(arrays.np, "frombuffer", lambda data, dtype, count=-1, offset=0:
                        read.append(count) or original(data, dtype, count, offset))
    assert store.frame("jpx", "", FINGERPRINT) is None
    assert read == [4]  # the index was read; the forged member was refused before reading


def test_frame__a_foreign_file_is_a_miss(store, tmp_path):
    """A file of another source copied under this one's name is not read as this source's."""
    store.put_frame("fred", "SOFR", FINGERPRINT, series_frame())
    foreign = store._stem("fred", "SOFR", FINGERPRINT)
    for suffix in (".npz", ".json"):
        entry(store, suffix).parent.mkdir(parents=True, exist_ok=True)
        entry(store, suffix).write_bytes(foreign.with_name(foreign.name + suffix).read_bytes())
    assert store.frame("jpx", "", FINGERPRINT) is None


def test_frame__another_format_version_is_a_miss(store):
    store.put_frame("jpx", "", FINGERPRINT, flow_frame())
    path = entry(store, ".json")
    meta = json.loads(path.read_text(encoding="utf-8"))
    path.write_text(json.dumps({**meta, "format": arrays.FORMAT + 1}), encoding="utf-8")
    assert store.frame("jpx", "", FINGERPRINT) is None


def test_head__round_trip_and_damage(store):
    when = pd.Timestamp("2026-12-01 10:00", tz="UTC").to_pydatetime()
    head = Head(FINGERPRINT, ("https://a/x.csv",), when, (("https://a/x.csv", when),))
    store.put_head("jpx", "", head)
    assert store.head("jpx", "", ) == head
    assert store.head("jpx", "monthly") is None
    path = store._stem("jpx", "", "head")
    path.with_name(path.name + ".json").write_bytes(b'{"format": 1, "source": "jpx", "ke')
    assert store.head("jpx", "") is None


def test_head__moving_on_deletes_the_frame_nothing_names(store):
    store.put_frame("jpx", "", FINGERPRINT, flow_frame())
    store.put_head("jpx", "", Head(FINGERPRINT, (), None))
    store.put_frame("jpx", "", "e" * 32, flow_frame())
    store.put_head("jpx", "", Head("e" * 32, (), None))
    assert store.frame("jpx", "", FINGERPRINT) is None
    assert store.frame("jpx", "", "e" * 32) is not None


def one_row(day: str, value: float) -> pd.DataFrame:
    index = pd.DatetimeIndex([day], name="date").as_unit("us")
    return pd.DataFrame([[value] * 3], index=index, columns=flow_frame().columns)


def test_parts__round_trip_by_url(store):
    parts = {"https://a/1.xls": Part("d1", None, one_row("2026-09-04", 1.0)),
             "https://a/2.xls": Part("d2", pd.Timestamp("2026-12-01", tz="UTC").to_pydatetime(),
                                     one_row("2026-09-11", 2.0)),
             "https://a/3.xls": Part("d3", None, series_frame()),
             "https://a/page.html": Part("d4", None, None)}
    store.put_parts("jpx", "", parts)
    found = store.parts("jpx", "")
    assert set(found) == {"https://a/1.xls", "https://a/2.xls", "https://a/3.xls"}
    for url, part in found.items():
        assert (part.digest, part.valid_until) == (parts[url].digest, parts[url].valid_until)
        pd.testing.assert_frame_equal(part.result, parts[url].result, check_column_type=False)


def test_parts__damaged_file_is_no_parts(store):
    store.put_parts("jpx", "", {"https://a/1.xls": Part("d1", None, one_row("2026-09-04", 1.0))})
    stem = store._stem("jpx", "", "parts")
    stem.with_name(stem.name + ".npz").write_bytes(b"garbage")
    assert store.parts("jpx", "") == {}


def test_store__an_unwritable_folder_costs_only_the_keeping(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    store = ParsedStore(blocker / "arrays")
    store.put_frame("jpx", "", FINGERPRINT, flow_frame())
    store.put_head("jpx", "", Head(FINGERPRINT, (), None))
    assert store.frame("jpx", "", FINGERPRINT) is None and store.head("jpx", "") is None
