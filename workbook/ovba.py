"""MS-OVBA 2.4.1 compression: how a VBA project stores its ``dir`` stream and module sources.

A compressed container is the byte 0x01 followed by chunks, each holding up to 4096 bytes of the
original. A chunk is a run of flag bytes, each followed by eight tokens: a literal byte, or a copy
token (offset, length) into the bytes of the same chunk already produced. The split of a copy
token's 16 bits between offset and length depends on how far into the chunk it stands.

:func:`compress` finds, for each position, the longest earlier match in the chunk through a table
of the positions where each three-byte prefix occurred (matches shorter than three bytes are never
worth a token). On equal lengths the nearest match wins, so the output depends only on the input.
"""

from __future__ import annotations

CHUNK = 4096
SIGNATURE = 0x01
_MIN_MATCH = 3
_HEADER_SIGNATURE = 0b011 << 12


def copy_token_bits(position: int) -> tuple[int, int]:
    """(bits given to the offset, longest length) for a copy token ``position`` bytes into a chunk."""
    bits = max(4, (position - 1).bit_length())
    return bits, (0xFFFF >> bits) + 3


def compress(data: bytes) -> bytes:
    """The MS-OVBA compressed container of ``data``."""
    out = bytearray([SIGNATURE])
    for start in range(0, len(data), CHUNK):
        out += _compress_chunk(data[start:start + CHUNK])
    return bytes(out)


def _compress_chunk(chunk: bytes) -> bytes:
    body = _tokens(chunk)
    if len(body) > CHUNK:  # incompressible: store the 4096 bytes as they are
        raw = chunk.ljust(CHUNK, b"\x00")
        return (0x0FFF | _HEADER_SIGNATURE).to_bytes(2, "little") + raw
    header = (len(body) + 2 - 3) | _HEADER_SIGNATURE | 0x8000
    return header.to_bytes(2, "little") + body


def _tokens(chunk: bytes) -> bytes:
    out, seen, pos = bytearray(), {}, 0
    while pos < len(chunk):
        flag_at, flags = len(out), 0
        out.append(0)
        for bit in range(8):
            if pos >= len(chunk):
                break
            offset, length = _longest_match(chunk, pos, seen)
            if length:
                bits, _ = copy_token_bits(pos)
                out += (((offset - 1) << (16 - bits)) | (length - 3)).to_bytes(2, "little")
                flags |= 1 << bit
            else:
                out.append(chunk[pos])
                length = 1
            for step in range(pos, pos + length):
                seen.setdefault(chunk[step:step + _MIN_MATCH], []).append(step)
            pos += length
        out[flag_at] = flags
    return bytes(out)


def _longest_match(chunk: bytes, pos: int, seen: dict) -> tuple[int, int]:
    """(offset, length) of the nearest longest earlier match at ``pos``; (0, 0) when none."""
    candidates = seen.get(chunk[pos:pos + _MIN_MATCH]) if pos + _MIN_MATCH <= len(chunk) else None
    if not candidates:
        return 0, 0
    limit = min(copy_token_bits(pos)[1], len(chunk) - pos)
    best, best_at = 0, 0
    for start in reversed(candidates):
        if best and chunk[start + best] != chunk[pos + best]:
            continue  # cannot beat the best found so far
        length = _MIN_MATCH
        while length < limit and chunk[start + length] == chunk[pos + length]:
            length += 1
        if length > best:
            best, best_at = length, start
            if best == limit:
                break
    return pos - best_at, best


def decompress(data: bytes, start: int = 0) -> bytes:
    """Decompress the container beginning at ``data[start]`` (which must be 0x01)."""
    if start >= len(data) or data[start] != SIGNATURE:
        raise ValueError("not a compressed VBA container")
    out, pos = bytearray(), start + 1
    while pos + 2 <= len(data):
        header = int.from_bytes(data[pos:pos + 2], "little")
        if header & 0x7000 != _HEADER_SIGNATURE:
            break  # past the container's last chunk
        size, compressed, pos = (header & 0x0FFF) + 3, header >> 15, pos + 2
        end = min(pos - 2 + size, len(data))
        out += _chunk(data, pos, end) if compressed else data[pos:pos + CHUNK]
        pos = end if compressed else pos + CHUNK
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
            bits, _ = copy_token_bits(len(chunk))
            length, offset = (token & (0xFFFF >> bits)) + 3, (token >> (16 - bits)) + 1
            if offset > len(chunk):
                raise ValueError("copy token points before the start of its chunk")
            for _ in range(length):
                chunk.append(chunk[-offset])
    return chunk
