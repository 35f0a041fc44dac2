"""Bounded readers for JPX workbooks: a file is refused before it can expand past :data:`LIMITS`.

A workbook is a container whose parts can grow far beyond the bytes downloaded: a 600 KB zip member
can inflate to 600 MB, one cell in column XFD makes every padded row 16,384 cells wide, and one
``.xls`` cell record at row 65,536 makes xlrd pad 65,536 rows. So each reader first checks what the
container declares (the zip directory, the sheet's ``<dimension>``, the ``.xls`` cell records)
against the limits, then reads with a counter, so that a declaration that lies is caught as well.
The ``.xlsx`` sheet is streamed through expat and only cells holding a value are kept; an empty
styled cell far to the right (Excel writes those) costs nothing.
"""

from __future__ import annotations

import io
import posixpath
import re
import struct
import zipfile
import zlib
from dataclasses import dataclass
from xml.parsers import expat

from addin.errors import LayoutChanged
from addin.sources.jpx_sheet import SheetReader, StringsReader


@dataclass(frozen=True)
class Limits:
    """What one JPX file may hold; real files are 15-200 KB with fewer than 70 rows and 60 columns.

    Attributes:
        file_bytes: The file as downloaded.
        members: Entries in a zip directory.
        member_bytes: One zip member once inflated (declared and actually read).
        total_bytes: All zip members once inflated, as declared.
        rows: Rows of a sheet that may hold a value.
        columns: Columns of a sheet that may hold a value.
        strings: Shared strings of an ``.xlsx`` workbook.
    """

    file_bytes: int = 8 << 20
    members: int = 64
    member_bytes: int = 4 << 20
    total_bytes: int = 16 << 20
    rows: int = 2_000
    columns: int = 256
    strings: int = 100_000


LIMITS = Limits()
_CHUNK = 1 << 16
_RELATIONSHIP_TYPE = re.compile(r"/(officeDocument|worksheet|sharedStrings)$")
_EOCD = b"PK\x05\x06"
# BIFF records (.xls) that xlrd turns into cells (blank ones it skips without formatting info),
# each starting with (row, column) ...
_BIFF_CELLS = frozenset({0x0203, 0x027E, 0x00FD, 0x0204, 0x00D6, 0x0006, 0x0206, 0x0406,
                         0x0205})  # NUMBER RK LABELSST LABEL RSTRING FORMULA(2, 3, 4) BOOLERR
_BIFF_SPANS = frozenset({0x00BD})  # ... and MULRK: (row, first column, ..., last column)
_BIFF_BOF, _BIFF_EOF = frozenset({0x0809, 0x0409, 0x0209, 0x0009}), 0x000A


def check_size(name: str, body: bytes, limits: Limits = LIMITS) -> None:
    """Refuse a file larger than ``limits.file_bytes``."""
    if len(body) > limits.file_bytes:
        raise LayoutChanged(f"JPX {name}: {_mb(len(body))}, over {_mb(limits.file_bytes)}")


def xls_book(name: str, body: bytes, limits: Limits = LIMITS):
    """An ``xlrd`` workbook whose every sheet is within ``limits``; sheets load on demand.

    The caller releases it (``book.release_resources()``).

    Raises:
        LayoutChanged: not an ``.xls`` workbook, or a sheet places a cell beyond the limits.
    """
    import xlrd

    check_size(name, body, limits)
    try:
        book = xlrd.open_workbook(file_contents=body, on_demand=True, logfile=_Discard())
    except Exception as error:  # xlrd signals a bad file with several exception types
        raise LayoutChanged(f"JPX {name}: not an .xls workbook") from error
    try:
        # xlrd keeps each sheet's stream position only privately; it has been stable since 0.6.
        for index, position in enumerate(book._sh_abs_posn):
            where = f"{name}: sheet {index + 1}"
            if not 0 <= position <= len(book.mem) - 4:
                raise LayoutChanged(f"JPX {where} is damaged")
            _check_extent(where, *_biff_extent(book.mem, position), limits)
    except BaseException:
        book.release_resources()
        raise
    return book


def _biff_extent(mem: bytes, position: int) -> tuple[int, int]:
    """Rows and columns that xlrd would allocate for the sheet whose BOF is at ``position``.

    xlrd pads every row to the widest one, so the extent, not the cell count, sets its memory.
    An embedded chart (a nested BOF..EOF) is skipped, as xlrd skips it.
    """
    rows = columns = 0
    position += 4 + struct.unpack_from("<H", mem, position + 2)[0]  # past the sheet's own BOF
    nested = False
    while position + 4 <= len(mem):
        code, size = struct.unpack_from("<HH", mem, position)
        start, position = position + 4, position + 4 + size
        if code == _BIFF_EOF and not nested:
            break
        nested = (nested or code in _BIFF_BOF) and code != _BIFF_EOF
        if nested or size < 4 or position > len(mem):
            continue
        if code in _BIFF_CELLS or code in _BIFF_SPANS:
            row, column = struct.unpack_from("<HH", mem, start)
            if code in _BIFF_SPANS:
                column = struct.unpack_from("<H", mem, position - 2)[0]
            rows, columns = max(rows, row + 1), max(columns, column + 1)
    return rows, columns


def _check_extent(where: str, rows: int, columns: int, limits: Limits) -> None:
    if rows > limits.rows:
        raise LayoutChanged(f"JPX {where} has {rows} rows, over {limits.rows}")
    if columns > limits.columns:
        raise LayoutChanged(f"JPX {where} has {columns} columns, over {limits.columns}")


class _Discard:
    """A log file for xlrd, which would otherwise print its warnings on stdout."""

    def write(self, text: str) -> None:
        pass


def xlsx_rows(name: str, body: bytes, limits: Limits = LIMITS) -> list[list]:
    """The cells of the first sheet of an ``.xlsx`` workbook (``None`` = empty), within ``limits``.

    Raises:
        LayoutChanged: not a workbook, damaged, or larger than the limits allow.
    """
    check_size(name, body, limits)
    _check_entry_count(name, body, limits)
    try:
        archive = zipfile.ZipFile(io.BytesIO(body))
    except (zipfile.BadZipFile, ValueError, OSError, EOFError) as error:
        raise LayoutChanged(f"JPX {name}: not an .xlsx workbook") from error
    with archive:
        _check_members(name, archive.infolist(), limits)
        sheet, strings = _sheet_parts(name, archive, limits)
        shared = _parse(archive, strings, StringsReader(name, limits)) if strings else []
        return _parse(archive, sheet, SheetReader(name, shared, limits))


def _check_entry_count(name: str, body: bytes, limits: Limits) -> None:
    """Refuse a zip directory with too many entries before ``zipfile`` builds one object each."""
    at = body.rfind(_EOCD, max(0, len(body) - (1 << 16) - 22))
    if at >= 0 and at + 12 <= len(body):
        entries = struct.unpack_from("<H", body, at + 10)[0]
        if entries > limits.members:
            raise LayoutChanged(f"JPX {name}: {entries} zip entries, over {limits.members}")


def _check_members(name: str, members: list[zipfile.ZipInfo], limits: Limits) -> None:
    if len(members) > limits.members:
        raise LayoutChanged(f"JPX {name}: {len(members)} zip entries, over {limits.members}")
    biggest = max(members, key=lambda member: member.file_size, default=None)
    if biggest and biggest.file_size > limits.member_bytes:
        raise LayoutChanged(f"JPX {name}: a part unzips to {_mb(biggest.file_size)}, "
                            f"over {_mb(limits.member_bytes)}")
    if sum(member.file_size for member in members) > limits.total_bytes:
        raise LayoutChanged(f"JPX {name}: parts unzip to over {_mb(limits.total_bytes)}")


def _sheet_parts(name: str, archive: zipfile.ZipFile, limits: Limits) -> tuple[str, str]:
    """Paths of the first worksheet and of the shared strings ("" if none), from the relations."""
    book = _related(name, archive, "", limits).get("officeDocument", ["xl/workbook.xml"])[0]
    related = _related(name, archive, book, limits)
    first = _parse(archive, book, _FirstSheet(name, limits))
    sheets = related.get("worksheet@" + first, []) if first else []
    if not sheets:
        raise LayoutChanged(f"JPX {name}: not an .xlsx workbook (no sheet)")
    return sheets[0], (related.get("sharedStrings") or [""])[0]


def _related(name: str, archive: zipfile.ZipFile, part: str, limits: Limits) -> dict:
    """``{type: [path]}`` and ``{"worksheet@<id>": [path]}`` from the relations of ``part``."""
    folder, base = posixpath.split(part)
    rels = posixpath.join(folder, "_rels", base + ".rels")
    if rels not in archive.NameToInfo:
        return {}
    found: dict[str, list[str]] = {}
    for rel_id, kind, target in _parse(archive, rels, _Relations(name, limits)):
        path = target.lstrip("/") if target.startswith("/") else posixpath.join(folder, target)
        path = posixpath.normpath(path)
        found.setdefault(kind, []).append(path)
        found.setdefault(f"{kind}@{rel_id}", []).append(path)
    return found


def _parse(archive: zipfile.ZipFile, path: str, reader):
    """Stream one zip member through expat into ``reader``; returns ``reader.result()``."""
    name = reader.name
    parser = expat.ParserCreate(namespace_separator=" ")
    parser.StartElementHandler = lambda tag, attrs: reader.start(_local(tag), _attrs(attrs))
    parser.EndElementHandler = lambda tag: reader.end(_local(tag))
    parser.CharacterDataHandler = reader.text
    parser.StartDoctypeDeclHandler = lambda *_: _refuse(name, "a DTD")  # OOXML parts never have one
    parser.EntityDeclHandler = lambda *_: _refuse(name, "an entity")
    try:
        with archive.open(path) as stream:
            _feed(name, stream, parser, reader.limits.member_bytes)
    except KeyError as error:
        raise LayoutChanged(f"JPX {name}: not an .xlsx workbook (part missing)") from error
    # Damage shows as any of these, from the zip layer (bad CRC, truncated or encrypted member,
    # unknown compression), zlib, expat, or a reader meeting a value it cannot take.
    except (expat.ExpatError, zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError,
            IndexError, NotImplementedError, RuntimeError) as error:
        raise LayoutChanged(f"JPX {name}: sheet XML is damaged") from error
    return reader.result()


def _feed(name: str, stream, parser, cap: int) -> None:
    read = 0
    while chunk := stream.read(_CHUNK):
        read += len(chunk)
        if read > cap:  # zipfile stops at the declared size; this guards a reader that would not
            raise LayoutChanged(f"JPX {name}: a part unzips to over {_mb(cap)}")
        parser.Parse(chunk, False)
    parser.Parse(b"", True)


def _mb(size: int) -> str:
    """``"9.5 MB"``; whole megabytes from 100 MB on, so that a message fits an Excel cell."""
    return f"{size / 2 ** 20:.1f} MB" if size < 100 << 20 else f"{size >> 20} MB"


def _refuse(name: str, what: str):
    raise LayoutChanged(f"JPX {name}: workbook XML declares {what}")


def _local(tag: str) -> str:
    return tag.rpartition(" ")[2]


def _attrs(attrs: dict) -> dict:
    return {_local(key): value for key, value in attrs.items()}


class _Reader:
    """A reader of expat events that needs only element starts."""

    def __init__(self, name: str, limits: Limits) -> None:
        self.name, self.limits = name, limits

    def end(self, tag: str) -> None:
        pass

    def text(self, data: str) -> None:
        pass


class _FirstSheet(_Reader):
    """The relation id of the first ``<sheet>`` in ``workbook.xml``."""

    def __init__(self, name: str, limits: Limits) -> None:
        super().__init__(name, limits)
        self.found = ""

    def start(self, tag: str, attrs: dict) -> None:
        if tag == "sheet" and not self.found:
            self.found = attrs.get("id", "")

    def result(self) -> str:
        return self.found


class _Relations(_Reader):
    """``[(id, type, target)]`` of a ``.rels`` part, for the three types a sheet needs."""

    def __init__(self, name: str, limits: Limits) -> None:
        super().__init__(name, limits)
        self.relations: list[tuple[str, str, str]] = []

    def start(self, tag: str, attrs: dict) -> None:
        kind = _RELATIONSHIP_TYPE.search(attrs.get("Type", ""))
        if tag == "Relationship" and kind and len(self.relations) < self.limits.members:
            self.relations.append((attrs.get("Id", ""), kind.group(1), attrs.get("Target", "")))

    def result(self) -> list[tuple[str, str, str]]:
        return self.relations

