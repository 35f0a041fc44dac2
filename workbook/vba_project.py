"""A VBA project (``xl/vbaProject.bin``, MS-OVBA 2.3) written from module sources, and read back.

MS-OVBA asks a writer for sources only: the ``_VBA_PROJECT`` stream carries version 0xFFFF and no
performance cache, every module stream is its compressed source (``MODULEOFFSET`` 0), and Office
compiles the project when it opens the file. The project's information and references (the
``dir`` stream up to its module list) and the ``PROJECT`` properties (its id, name and protection
state, which belong together) are kept from a base project, here xlwings' quickstart workbook.
"""

from __future__ import annotations

from dataclasses import dataclass

from workbook import cfb, ovba

DOCUMENT, STANDARD, CLASS = "Document", "Module", "Class"
VERSION_INDEPENDENT = bytes.fromhex("CC61FFFF000100")  # Reserved1, Version 0xFFFF, no cache
_MODULES, _CODEPAGE, _END = 0x000F, 0x0003, 0x0010
_MODULE_NAME, _STREAM_NAME, _OFFSET, _MODULE_END = 0x0019, 0x001A, 0x0031, 0x002B
_PROJECT_VERSION = 0x0009  # its size field is a reserved 4; the record holds 6 bytes
_PROJECT_ITEMS = ("Document=", "Module=", "Class=", "Package=", "BaseClass=")


@dataclass(frozen=True)
class Module:
    """One module: its name, kind (``Document``, ``Module`` or ``Class``) and VBA source."""

    name: str
    kind: str
    source: str


def records(directory: bytes) -> list[tuple[int, int, bytes]]:
    """The ``dir`` stream as (offset, record id, payload) triples."""
    found, pos = [], 0
    while pos + 6 <= len(directory):
        rid = int.from_bytes(directory[pos:pos + 2], "little")
        size = 6 if rid == _PROJECT_VERSION else int.from_bytes(directory[pos + 2:pos + 6], "little")
        found.append((pos, rid, directory[pos + 6:pos + 6 + size]))
        pos += 6 + size
    return found


def codepage(directory: bytes) -> str:
    """The project's code page as a Python codec name (``cp1252``)."""
    for _, rid, payload in records(directory):
        if rid == _CODEPAGE:
            return f"cp{int.from_bytes(payload, 'little')}"
    raise ValueError("the VBA project has no code page record")


def _information(directory: bytes) -> bytes:
    """Everything before the module list: project information and references."""
    for pos, rid, _ in records(directory):
        if rid == _MODULES:
            return directory[:pos]
    raise ValueError("the VBA project's dir stream has no module list")


def _record(rid: int, payload: bytes = b"") -> bytes:
    return rid.to_bytes(2, "little") + len(payload).to_bytes(4, "little") + payload


def _module_records(module: Module, cp: str) -> bytes:
    name, wide = module.name.encode(cp), module.name.encode("utf-16-le")
    kind = 0x0021 if module.kind == STANDARD else 0x0022
    return b"".join((
        _record(_MODULE_NAME, name), _record(0x0047, wide), _record(_STREAM_NAME, name),
        _record(0x0032, wide), _record(0x001C), _record(0x0048),
        _record(_OFFSET, bytes(4)), _record(0x001E, bytes(4)), _record(0x002C, b"\xff\xff"),
        _record(kind), _record(_MODULE_END)))


def directory_stream(information: bytes, modules: list[Module], cp: str) -> bytes:
    """The uncompressed ``dir`` stream: ``information`` then one MODULE record per module."""
    head = _record(_MODULES, len(modules).to_bytes(2, "little")) + _record(0x0013, b"\xff\xff")
    return information + head + b"".join(_module_records(m, cp) for m in modules) + _record(_END)


def project_stream(base: str, modules: list[Module]) -> str:
    """The ``PROJECT`` text: the base's id and properties, these modules, a fresh workspace."""
    sections = base.replace("\r\n", "\n").split("\n\n")
    lines = [line for line in sections[0].split("\n") if line and not line.startswith(_PROJECT_ITEMS)]
    items = [f"{m.kind}={m.name}" + ("/&H00000000" if m.kind == DOCUMENT else "") for m in modules]
    host = next((s.strip("\n") for s in sections if s.startswith("[Host Extender Info]")), "")
    workspace = ["[Workspace]", *(f"{m.name}=0, 0, 0, 0, C" for m in modules)]
    parts = ["\n".join(lines[:1] + items + lines[1:]), host, "\n".join(workspace)]
    return "\r\n\r\n".join(p.replace("\n", "\r\n") for p in parts if p) + "\r\n"


def _names_stream(modules: list[Module], cp: str) -> bytes:
    """``PROJECTwm``: each module name in the code page and in UTF-16."""
    names = b"".join(m.name.encode(cp) + b"\0" + m.name.encode("utf-16-le") + b"\0\0" for m in modules)
    return names + b"\0\0"


def write(modules: list[Module], base: bytes) -> bytes:
    """``vbaProject.bin`` holding ``modules``, with the project information of ``base``."""
    streams = cfb.read(base)
    directory = ovba.decompress(streams["VBA/dir"])
    cp = codepage(directory)
    names = [m.name for m in modules]
    if len({n.lower() for n in names}) != len(names):
        raise ValueError(f"module names must be unique: {names}")
    out = {"PROJECT": project_stream(streams["PROJECT"].decode(cp), modules).encode(cp),
           "PROJECTwm": _names_stream(modules, cp),
           "VBA/_VBA_PROJECT": VERSION_INDEPENDENT,
           "VBA/dir": ovba.compress(directory_stream(_information(directory), modules, cp))}
    for module in modules:
        source = module.source.replace("\r\n", "\n").replace("\n", "\r\n")
        out[f"VBA/{module.name}"] = ovba.compress(source.encode(cp))
    return cfb.write(out)


def read(project: bytes) -> list[Module]:
    """The modules of a ``vbaProject.bin``, in the order of its ``dir`` stream."""
    streams = cfb.read(project)
    directory = ovba.decompress(streams["VBA/dir"])
    cp = codepage(directory)
    kinds = _kinds(streams["PROJECT"].decode(cp))
    modules, current = [], {}
    for _, rid, payload in records(directory):
        if rid in (_MODULE_NAME, _STREAM_NAME):
            current[rid] = payload.decode(cp)
        elif rid == _OFFSET:
            current[rid] = int.from_bytes(payload, "little")
        elif rid == _MODULE_END:
            name, stream = current[_MODULE_NAME], streams[f"VBA/{current[_STREAM_NAME]}"]
            source = ovba.decompress(stream, current[_OFFSET]).decode(cp)
            modules.append(Module(name, kinds.get(name, STANDARD), source))
            current = {}
    return modules


def _kinds(text: str) -> dict[str, str]:
    kinds = {}
    for line in text.splitlines():
        key, sep, value = line.partition("=")
        if sep and key in (DOCUMENT, STANDARD, CLASS):
            kinds[value.split("/")[0]] = key
    return kinds
