"""Text bombs: files within the download cap that would expand past any memory when parsed.

64 MiB of ``1,`` is 33 million cells (a CSV parser went past 7 GB on it); 4 million short rows
or one 64 MiB quoted cell cost 400 to 700 MB. Every text source refuses such a file before its
parser sees it, as a changed layout, naming what was too large. (JPX's workbooks bring their own
limits; see the JPX tests.)
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from addin import api, frames
from addin.errors import LayoutChanged, SourceUnavailable
from addin.sources import REGISTRY
from tests.fixtures import fred as fred_files
from tests.fixtures.hostile import Figures

TEXT_SOURCES = [source_id for source_id in REGISTRY.ids() if REGISTRY[source_id].shape]
SOFR_URL = "https://fred.stlouisfed.org/graph/fredgraph.csv?id=SOFR"
BOMBS = {
    "too_many_bytes": (lambda: b"date,value\n" + b"2025-09-30,4.24\n" * 1_200_000, "bytes"),
    "too_many_cells": (lambda: b"date,value\n" + b"1," * 1_500_000, "cells"),
    "too_many_lines": (lambda: b"date,value\n" + b"\n" * 1_500_000, "cells"),
    "one_huge_line": (lambda: b'date,value\n"' + b"x" * 200_000 + b'"', "line"),
}

figures = Figures()


def test_every_source_but_the_workbook_one_declares_text_limits():
    assert set(REGISTRY.ids()) - set(TEXT_SOURCES) == {"jpx"}


@pytest.mark.parametrize("bomb", BOMBS)
@pytest.mark.parametrize("source_id", TEXT_SOURCES)
def test_bomb__is_refused_before_the_parser_sees_it(source_id, bomb):
    make, limit = BOMBS[bomb]
    source = REGISTRY[source_id]
    seen = []
    check = frames.guarded(lambda body: seen.append(body), source, "")
    with pytest.raises(LayoutChanged, match=limit):
        check(make())
    assert seen == []


def test_bomb__a_download_keeps_the_last_good_copy(engine_env):
    engine_env.serve(SOFR_URL, fred_files.current_layout("SOFR", [("2025-09-30", "4.24")]))
    api.use(None)
    try:
        assert api.value("SOFR", "2025-09-30") == 4.24
        engine_env.serve(SOFR_URL, b"observation_date,SOFR\n" + b"1," * 30_000_000)
        with figures.measure("csv_bomb_60MB_of_cells", engine_env.total) as figure:
            outcome = api.refresh()
        assert outcome["FRED SOFR"].startswith("stale: ") and "bytes" in outcome["FRED SOFR"]
        assert api.value("SOFR", "2025-09-30") == 4.24
        figure.note = outcome["FRED SOFR"]
    finally:
        api.use(None)


def test_bomb__a_huge_local_csv_is_not_read(engine_env, tmp_path, monkeypatch):
    huge = tmp_path / "desk.csv"
    with huge.open("wb") as out:  # sparse: 65 MiB on paper, nothing on disk
        out.write(b"date,value\n")
        out.truncate(65 * 1024 * 1024)
    monkeypatch.setenv("JPFLOWS_CSV_DESK", str(huge))
    api.use(None)
    try:
        with pytest.raises((LayoutChanged, SourceUnavailable), match="larger than"):
            api.value("DESK")
    finally:
        api.use(None)
    assert os.path.getsize(huge) > 64 * 1024 * 1024
    assert Path(huge).exists()
