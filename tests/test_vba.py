"""VBA projects written from sources: MS-OVBA compression, the compound file, the project streams.

Two readers check what is written: the project's own (:mod:`workbook.cfb`,
:func:`workbook.vba_project.read`) and oletools' (``olefile``, ``olevba``'s decompressor).
"""

from __future__ import annotations

import io
import random

import olefile
import pytest
from oletools.olevba import decompress_stream

from workbook import cfb, ovba, vba, vba_project


def lines(text: str) -> list[str]:
    return text.replace("\r\n", "\n").split("\n")


# -- MS-OVBA compression ---------------------------------------------------------------------

SAMPLES = [b"", b"a", b"ab", b"abc", b"a" * 4095, b"a" * 4096, b"a" * 4097, b"abc " * 2500,
           random.Random(1).randbytes(3000), random.Random(2).randbytes(8192)]


@pytest.mark.parametrize("data", SAMPLES, ids=[f"{len(d)}b" for d in SAMPLES])
def test_ovba__round_trips_and_oletools_reads_it(data):
    packed = ovba.compress(data)
    assert packed[0] == 1
    assert ovba.decompress(packed) == data
    assert decompress_stream(bytearray(packed)) == data


def test_ovba__reads_what_office_compressed():
    office = olefile.OleFileIO(io.BytesIO(vba.vba_project())).openstream("VBA/dir").read()
    assert ovba.decompress(office) == decompress_stream(bytearray(office))


def test_ovba__vba_source_shrinks_to_less_than_half():
    source = vba.module_sources(vba.vba_project())["xlwings"].encode("cp1252")
    assert len(ovba.compress(source)) < 0.5 * len(source)


@pytest.mark.parametrize("position, bits", [(1, 4), (16, 4), (17, 5), (32, 5), (33, 6),
                                            (2048, 11), (2049, 12), (4096, 12)])
def test_ovba__copy_token_split_follows_the_position_in_the_chunk(position, bits):
    assert ovba.copy_token_bits(position) == (bits, (0xFFFF >> bits) + 3)


def test_ovba__a_copy_token_before_the_chunk_start_is_refused():
    token = (5 << 12).to_bytes(2, "little")  # offset 6 at position 0
    chunk = bytes([0b1]) + token
    header = (len(chunk) + 2 - 3) | 0xB000
    with pytest.raises(ValueError, match="before the start"):
        ovba.decompress(b"\x01" + header.to_bytes(2, "little") + chunk)


# -- the compound file -------------------------------------------------------------------------

STREAMS = {"PROJECT": b"p" * 700, "PROJECTwm": b"", "VBA/dir": b"d" * 4096,
           "VBA/big": bytes(range(256)) * 40, **{f"VBA/m{i}": bytes([i]) * (i * 37) for i in range(40)}}


def test_cfb__own_reader_and_olefile_read_every_stream():
    data = cfb.write(STREAMS)
    assert len(data) % cfb.SECTOR == 0
    assert cfb.read(data) == STREAMS
    ole = olefile.OleFileIO(io.BytesIO(data))
    for path, content in STREAMS.items():
        assert ole.openstream(path).read() == content, path


def test_cfb__reads_the_office_written_quickstart_project():
    base = vba.vba_project()
    ole = olefile.OleFileIO(io.BytesIO(base))
    found = cfb.read(base)
    assert set(found) == {"/".join(p) for p in ole.listdir()}
    assert all(ole.openstream(path).read() == content for path, content in found.items())


def _entries(data: bytes) -> list[bytes]:
    first = int.from_bytes(data[48:52], "little")
    directory = data[cfb.SECTOR * (first + 1):]
    return [directory[i:i + 128] for i in range(0, 128 * (len(STREAMS) + 3), 128)]


def _check_tree(entries, index, low, high) -> int:
    """Black height of the sibling tree at ``index``; asserts order and red-black rules."""
    if index == cfb.NO_STREAM:
        return 1
    entry = entries[index]
    key = cfb._key(entry[:int.from_bytes(entry[64:66], "little") - 2].decode("utf-16-le"))
    assert (low is None or low < key) and (high is None or key < high)
    left, right = (int.from_bytes(entry[o:o + 4], "little") for o in (68, 72))
    if entry[67] == cfb.RED:
        assert all(c == cfb.NO_STREAM or entries[c][67] == cfb.BLACK for c in (left, right))
    heights = {_check_tree(entries, left, low, key), _check_tree(entries, right, key, high)}
    assert len(heights) == 1, "unequal black heights"
    return heights.pop() + (entry[67] == cfb.BLACK)


def test_cfb__siblings_form_an_ordered_red_black_tree():
    entries = _entries(cfb.write(STREAMS))
    root_child = int.from_bytes(entries[0][76:80], "little")
    _check_tree(entries, root_child, None, None)
    vba_entry = next(e for e in entries if e[:6] == "VBA".encode("utf-16-le"))
    _check_tree(entries, int.from_bytes(vba_entry[76:80], "little"), None, None)


def test_cfb__writes_the_same_bytes_twice_and_no_timestamps():
    first, again = cfb.write(STREAMS), cfb.write(dict(reversed(list(STREAMS.items()))))
    assert first == again
    assert all(e[100:116] == bytes(16) for e in _entries(first))


# -- the project streams -------------------------------------------------------------------------

def test_vba_project__own_reader_round_trips_names_kinds_and_sources():
    modules = [vba_project.Module("ThisWorkbook", vba_project.DOCUMENT, 'Attribute VB_Name = "ThisWorkbook"\n'),
               vba_project.Module("Tools", vba_project.STANDARD, 'Attribute VB_Name = "Tools"\nSub A()\nEnd Sub\n'),
               vba_project.Module("Bag", vba_project.CLASS, 'Attribute VB_Name = "Bag"\n' + "' x\n" * 2000)]
    back = vba_project.read(vba_project.write(modules, vba.vba_project()))
    assert [(m.name, m.kind, lines(m.source)) for m in back] == \
        [(m.name, m.kind, lines(m.source)) for m in modules]


def test_vba_project__module_names_must_be_unique():
    twice = [vba_project.Module("A", vba_project.STANDARD, "")] * 2
    with pytest.raises(ValueError, match="unique"):
        vba_project.write(twice, vba.vba_project())
