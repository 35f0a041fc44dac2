"""A minimal Compound File Binary (MS-CFB version 3) writer and reader, for ``vbaProject.bin``.

A compound file is a small file system: 512-byte sectors chained by a FAT, a directory of 128-byte
entries whose siblings form a red-black tree, and a mini stream of 64-byte sectors (chained by a
mini FAT) holding every stream shorter than 4096 bytes. :func:`write` lays out, in this order, the
FAT, the directory, the mini FAT, the mini stream and the large streams; each storage's children
form a balanced search tree. Nothing depends on the clock or the machine: no timestamps, no CLSIDs.
"""

from __future__ import annotations

from dataclasses import dataclass, field

SIGNATURE = bytes.fromhex("D0CF11E0A1B11AE1")
SECTOR, MINI_SECTOR, CUTOFF = 512, 64, 4096
FREE, END, FAT_SECTOR, NO_STREAM = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD, 0xFFFFFFFF
STORAGE, STREAM, ROOT = 1, 2, 5
RED, BLACK = 0, 1
HEADER_FAT_SLOTS = 109
ENTRY = 128
_PER_SECTOR = SECTOR // 4


@dataclass
class _Node:
    name: str
    kind: int
    data: bytes = b""
    children: dict[str, "_Node"] = field(default_factory=dict)
    index: int = 0
    left: int = NO_STREAM
    right: int = NO_STREAM
    child: int = NO_STREAM
    color: int = BLACK
    start: int = END


def _key(name: str) -> tuple[int, str]:
    """MS-CFB's sibling order: shorter names first, then by upper-cased name."""
    return len(name), name.upper()


def _tree(streams: dict[str, bytes]) -> list[_Node]:
    root = _Node("Root Entry", ROOT)
    for path, data in streams.items():
        node, *parts = root, *path.split("/")
        for part in parts[:-1]:
            node = node.children.setdefault(part, _Node(part, STORAGE))
        node.children[parts[-1]] = _Node(parts[-1], STREAM, bytes(data))
    nodes = [root]
    _number(root, nodes)
    return nodes


def _number(storage: _Node, nodes: list[_Node]) -> None:
    ordered = sorted(storage.children.values(), key=lambda n: _key(n.name))
    for node in ordered:
        node.index = len(nodes)
        nodes.append(node)
    depths: dict[int, int] = {}
    storage.child = _balance(ordered, 0, depths)
    deepest = max(depths.values(), default=0)
    for node in ordered:  # the last level red, all above black: a valid red-black tree
        node.color = RED if deepest and depths[node.index] == deepest else BLACK
    for node in ordered:
        if node.kind == STORAGE:
            _number(node, nodes)


def _balance(ordered: list[_Node], depth: int, depths: dict[int, int]) -> int:
    if not ordered:
        return NO_STREAM
    middle = len(ordered) // 2
    node = ordered[middle]
    depths[node.index] = depth
    node.left = _balance(ordered[:middle], depth + 1, depths)
    node.right = _balance(ordered[middle + 1:], depth + 1, depths)
    return node.index


def _sectors(size: int, unit: int = SECTOR) -> int:
    return -(-size // unit)


def _chain(fat: list[int], first: int, count: int) -> None:
    for i in range(count):
        fat[first + i] = first + i + 1 if i + 1 < count else END


def write(streams: dict[str, bytes]) -> bytes:
    """A compound file holding ``streams`` (``"VBA/dir"``: bytes; storages follow from the paths)."""
    nodes = _tree(streams)
    files = [n for n in nodes if n.kind == STREAM]
    small = [n for n in files if len(n.data) < CUTOFF]
    large = [n for n in files if len(n.data) >= CUTOFF]
    mini = _mini_stream(small)
    counts = {"dir": _sectors(len(nodes) * ENTRY), "minifat": _sectors(len(mini) // MINI_SECTOR * 4),
              "mini": _sectors(len(mini)), **{id(n): _sectors(len(n.data)) for n in large}}
    fat, first = _allocate(counts)
    nodes[0].start, nodes[0].data = first["mini"], mini
    for node in large:
        node.start = first[id(node)]
    body = [_fat_bytes(fat), _directory(nodes, counts["dir"]), _mini_fat(small, counts["minifat"]),
            _padded(mini), *(_padded(n.data) for n in large)]
    fat_count = fat.count(FAT_SECTOR)
    return _header(fat_count, first["dir"], first["minifat"], counts["minifat"]) + b"".join(body)


def _mini_stream(small: list[_Node]) -> bytes:
    """The short streams back to back in 64-byte mini sectors; each node learns its first one."""
    mini = bytearray()
    for node in small:
        node.start = len(mini) // MINI_SECTOR if node.data else END
        mini += node.data.ljust(_sectors(len(node.data), MINI_SECTOR) * MINI_SECTOR, b"\x00")
    return bytes(mini)


def _allocate(counts: dict) -> tuple[list[int], dict]:
    """The FAT (its own sectors first, then each region in ``counts`` order) and each region's
    first sector."""
    fat_count = 1
    while fat_count * _PER_SECTOR < fat_count + sum(counts.values()):
        fat_count += 1
    if fat_count > HEADER_FAT_SLOTS:
        raise ValueError("compound file too large for a header-only FAT")
    fat, first, position = [FREE] * (fat_count * _PER_SECTOR), {}, fat_count
    fat[:fat_count] = [FAT_SECTOR] * fat_count
    for name, count in counts.items():
        first[name] = position if count else END
        _chain(fat, position, count)
        position += count
    return fat, first


def _padded(data: bytes) -> bytes:
    return data.ljust(_sectors(len(data)) * SECTOR, b"\x00")


def _fat_bytes(entries: list[int]) -> bytes:
    return b"".join(e.to_bytes(4, "little") for e in entries)


def _mini_fat(small: list[_Node], sectors: int) -> bytes:
    entries: list[int] = []
    for node in small:
        count = _sectors(len(node.data), MINI_SECTOR)
        entries += [len(entries) + i + 1 if i + 1 < count else END for i in range(count)]
    return _fat_bytes(entries + [FREE] * (sectors * _PER_SECTOR - len(entries)))


def _directory(nodes: list[_Node], sectors: int) -> bytes:
    out = b"".join(_entry(node) for node in nodes)
    unused = _entry(None)
    return out + unused * (sectors * SECTOR // ENTRY - len(nodes))


def _entry(node: _Node | None) -> bytes:
    if node is None:
        return bytes(64 + 4) + NO_STREAM.to_bytes(4, "little") * 3 + bytes(ENTRY - 80)
    name = node.name.encode("utf-16-le")
    if len(name) > 62:
        raise ValueError(f"compound file name too long: {node.name}")
    size = len(node.data) if node.kind != STORAGE else 0
    start = node.start if node.kind != STORAGE else 0
    return (name.ljust(64, b"\x00") + (len(name) + 2).to_bytes(2, "little")
            + bytes([node.kind, node.color])
            + b"".join(v.to_bytes(4, "little") for v in (node.left, node.right, node.child))
            + bytes(16 + 4 + 16) + start.to_bytes(4, "little") + size.to_bytes(8, "little"))


def _header(fat_count: int, first_dir: int, first_minifat: int, minifat_count: int) -> bytes:
    fields = [SIGNATURE, bytes(16), (0x003E).to_bytes(2, "little"), (3).to_bytes(2, "little"),
              (0xFFFE).to_bytes(2, "little"), (9).to_bytes(2, "little"), (6).to_bytes(2, "little"),
              bytes(6)]
    numbers = [0, fat_count, first_dir, 0, CUTOFF, first_minifat, minifat_count, END, 0]
    slots = list(range(fat_count)) + [FREE] * (HEADER_FAT_SLOTS - fat_count)
    return b"".join(fields) + _fat_bytes(numbers + slots)


# -- reading ---------------------------------------------------------------------------------

def read(data: bytes) -> dict[str, bytes]:
    """Every stream of a version-3 compound file, by path (``"VBA/dir"``)."""
    if data[:8] != SIGNATURE or _u16(data, 30) != 9:
        raise ValueError("not a version-3 compound file")
    if _u32(data, 72):
        raise ValueError("compound files with DIFAT sectors are not supported")
    fat = [e for s in _words(data, 76, _u32(data, 44)) for e in _words(data, _at(s), _PER_SECTOR)]
    directory = _follow(data, fat, _u32(data, 48))
    entries = [directory[i:i + ENTRY] for i in range(0, len(directory), ENTRY)]
    root = entries[0]
    mini = _follow(data, fat, _u32(root, 116))
    minifat = _words(_follow(data, fat, _u32(data, 60)), 0, None)
    streams: dict[str, bytes] = {}
    _walk(entries, _u32(root, 76), "", streams, lambda e: _stream(data, fat, mini, minifat, e))
    return streams


def _walk(entries, index: int, prefix: str, streams: dict, content, seen=None) -> None:
    seen = set() if seen is None else seen
    if index == NO_STREAM or index in seen or index >= len(entries):
        return
    seen.add(index)
    entry = entries[index]
    name = entry[:_u16(entry, 64) - 2].decode("utf-16-le")
    if entry[66] == STREAM:
        streams[prefix + name] = content(entry)
    elif entry[66] == STORAGE:
        _walk(entries, _u32(entry, 76), f"{prefix}{name}/", streams, content, seen)
    for sibling in (_u32(entry, 68), _u32(entry, 72)):
        _walk(entries, sibling, prefix, streams, content, seen)


def _stream(data: bytes, fat: list[int], mini: bytes, minifat: list[int], entry: bytes) -> bytes:
    size, start = _u32(entry, 120), _u32(entry, 116)
    if size >= CUTOFF:
        return _follow(data, fat, start)[:size]
    chain = _sector_chain(minifat, start)
    return b"".join(mini[s * MINI_SECTOR:(s + 1) * MINI_SECTOR] for s in chain)[:size]


def _follow(data: bytes, fat: list[int], first: int) -> bytes:
    return b"".join(data[_at(s):_at(s) + SECTOR] for s in _sector_chain(fat, first))


def _sector_chain(table: list[int], first: int) -> list[int]:
    chain = []
    while first < len(table) and len(chain) <= len(table):
        chain.append(first)
        first = table[first]
    if first not in (END, FREE) or len(chain) > len(table):
        raise ValueError("broken sector chain in the compound file")
    return chain


def _at(sector: int) -> int:
    return SECTOR + sector * SECTOR


def _words(data: bytes, offset: int, count: int | None) -> list[int]:
    count = (len(data) - offset) // 4 if count is None else count
    return [_u32(data, offset + 4 * i) for i in range(count)]


def _u16(data: bytes, offset: int) -> int:
    return int.from_bytes(data[offset:offset + 2], "little")


def _u32(data: bytes, offset: int) -> int:
    return int.from_bytes(data[offset:offset + 4], "little")
