"""The VBA project that travels inside the template: xlwings' standalone quickstart macros.

xlwings ships ``quickstart_standalone.xlsm`` whose ``vbaProject.bin`` holds the whole xlwings VBA
module plus ``Module1`` with the quickstart macro. The builder copies that binary unchanged, so a
workbook made from the template needs Python and the xlwings package, not the xlwings add-in.

The module sources inside the binary are stored compressed (MS-OVBA 2.4.1); :func:`module_sources`
finds and decompresses them so the builder can check which macro runs the entry module.
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

QUICKSTART = "quickstart_standalone.xlsm"
VBA_PART = "xl/vbaProject.bin"
# Every module source starts with "Attribute VB_Name"; compressed, the first 8 bytes stay literal.
_SOURCE_START = re.compile(rb"\x01[\x00-\xff][\xb0-\xbf]\x00Attribut", re.S)
_SUB = re.compile(r"^\s*(?:Public\s+)?Sub\s+(\w+)\s*\(\)(.*?)^\s*End Sub", re.M | re.S | re.I)


def quickstart_path() -> Path:
    """The standalone quickstart workbook inside the installed xlwings package."""
    import xlwings

    return Path(xlwings.__file__).resolve().parent / QUICKSTART


def vba_project(source: Path | None = None) -> bytes:
    """The bytes of ``xl/vbaProject.bin`` from the quickstart workbook."""
    with zipfile.ZipFile(source or quickstart_path()) as archive:
        return archive.read(VBA_PART)


def decompress(data: bytes, start: int = 0) -> bytes:
    """Decompress an MS-OVBA compressed container beginning at ``data[start]`` (byte 0x01)."""
    if data[start] != 1:
        raise ValueError("not a compressed VBA container")
    out, pos = bytearray(), start + 1
    while pos + 2 <= len(data):
        header = int.from_bytes(data[pos:pos + 2], "little")
        if (header >> 12) & 0x7 != 0b011:
            break  # past the container's last chunk
        size, compressed, pos = (header & 0x0FFF) + 3, header >> 15, pos + 2
        end = min(pos - 2 + size, len(data))
        out += _chunk(data, pos, end) if compressed else data[pos:pos + 4096]
        pos = end if compressed else pos + 4096
    return bytes(out)


def _chunk(data: bytes, pos: int, end: int) -> bytearray:
    chunk = bytearray()
    while pos < end:
        flags, pos = data[pos], pos + 1
        for bit in range(8):
            if pos >= end:
                break
            if not flags >> bit & 1:
                chunk.append(data[pos])
                pos += 1
                continue
            token = int.from_bytes(data[pos:pos + 2], "little")
            pos += 2
            bits = max(4, (len(chunk) - 1).bit_length())
            length, offset = (token & (0xFFFF >> bits)) + 3, (token >> (16 - bits)) + 1
            for _ in range(length):
                chunk.append(chunk[-offset])
    return chunk


def module_sources(vba: bytes) -> dict[str, str]:
    """``{module name: VBA source}`` for every module found in the project binary."""
    sources = {}
    for match in _SOURCE_START.finditer(vba):
        text = decompress(vba, match.start()).decode("latin-1", "replace")
        name = re.search(r'Attribute VB_Name = "([^"]+)"', text)
        if name:
            sources.setdefault(name.group(1), text)
    return sources


def entry_macro(vba: bytes) -> str:
    """The macro that runs ``import <workbook name>; <workbook name>.main()`` (``SampleCall``)."""
    for text in module_sources(vba).values():
        for name, body in _SUB.findall(text):
            if "RunPython" in body and ".main()" in body:
                return name
    raise LookupError("no macro in the VBA project runs <workbook>.main()")
