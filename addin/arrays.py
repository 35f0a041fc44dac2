"""Frames as plain arrays on disk: an ``.npz`` of numbers beside a JSON file of labels.

Nothing here can execute code: the arrays are read member by member with their ``.npy`` header
checked before anything is allocated (numbers and dates only, never objects: what
``allow_pickle=False`` guarantees, plus a size bound), and the labels are JSON. A file that is
missing, truncated, garbled, too large or written for something else reads as ``None``, never as
an exception: the caller parses the publisher's bytes again.
"""

from __future__ import annotations

import io
import json
import logging
import math
import os
import struct
import tempfile
import zipfile
import zlib
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

log = logging.getLogger(__name__)

FORMAT = 1
MAX_BYTES = 256 * 1024 * 1024  # far above ten years of any source; a forged header is refused
_LABEL_TYPES = (str, int, float, bool)
_LOCAL = struct.Struct("<4s5H3I2H")  # a zip member's local header (30 bytes)
_HEADER_READ = 65_536 + 16  # an .npy header never exceeds this


def encode(frame: pd.DataFrame) -> tuple[dict[str, np.ndarray], dict[str, Any]] | None:
    """``(arrays, labels)`` of a parsed frame; ``None`` for one that plain arrays cannot hold."""
    index = frame.index
    if not isinstance(index, pd.DatetimeIndex) or index.tz is not None:
        return None
    if not all(dtype == np.float64 for dtype in frame.dtypes):
        return None
    labels = _column_labels(frame.columns)
    if labels is None:
        return None
    arrays = {"index": np.asarray(index.values), "values": np.ascontiguousarray(
        frame.to_numpy(dtype="float64")).reshape(len(frame), len(frame.columns))}
    return arrays, {"index_name": index.name, "columns": labels}


def decode(arrays: dict[str, np.ndarray], labels: dict[str, Any]) -> pd.DataFrame:
    """The frame :func:`encode` took apart.

    Raises:
        ValueError: the arrays and labels do not fit together.
    """
    index, values = arrays["index"], arrays["values"]
    if index.dtype.kind != "M" or values.dtype != np.float64 or values.ndim != 2:
        raise ValueError("arrays are not dates and a table of floats")
    columns = _columns(labels["columns"])
    if values.shape != (len(index), len(columns)):
        raise ValueError(f"values {values.shape} do not fit {len(index)} dates, {len(columns)} labels")
    name = labels.get("index_name")
    if name is not None and not isinstance(name, str):
        raise ValueError("index name is not text")
    return pd.DataFrame(values, index=pd.DatetimeIndex(index, name=name), columns=columns,
                        copy=False)


def _column_labels(columns: pd.Index) -> dict[str, Any] | None:
    names = list(columns.names)
    if isinstance(columns, pd.MultiIndex):
        rows = [list(label) for label in columns]
    else:
        rows = list(columns)
    flat = [item for row in rows for item in (row if isinstance(row, list) else [row])]
    if not all(isinstance(item, _LABEL_TYPES) for item in flat):
        return None
    if not all(name is None or isinstance(name, str) for name in names):
        return None
    return {"multi": isinstance(columns, pd.MultiIndex), "names": names, "labels": rows}


def _columns(found: Any) -> pd.Index:
    if not isinstance(found, dict) or not isinstance(found.get("labels"), list):
        raise ValueError("column labels missing")
    names, rows = found.get("names"), found["labels"]
    if found.get("multi"):
        if not rows or not all(isinstance(row, list) and len(row) == len(names) for row in rows):
            raise ValueError("multi-level labels of uneven length")
        return pd.MultiIndex.from_tuples([tuple(row) for row in rows], names=names)
    if not all(isinstance(label, _LABEL_TYPES) for label in rows):
        raise ValueError("labels are not text or numbers")
    return pd.Index(rows, name=names[0] if names else None)


def write(stem: Path, arrays: dict[str, np.ndarray], meta: dict[str, Any]) -> bool:
    """Write ``stem.npz`` then ``stem.json`` (each atomically); False when the disk refuses."""
    try:
        stem.parent.mkdir(parents=True, exist_ok=True)
        _atomic(suffixed(stem, ".npz"), lambda handle: np.savez(handle, **arrays))
    except (OSError, ValueError, TypeError) as exc:  # a full or read-only disk costs speed only
        log.info("parsed arrays not kept at %s: %s", stem, exc)
        return False
    return write_json(suffixed(stem, ".json"), meta)


def write_json(path: Path, meta: dict[str, Any]) -> bool:
    """Write ``meta`` (with the format number) to ``path`` atomically; False when refused."""
    try:
        text = json.dumps({"format": FORMAT, **meta}, ensure_ascii=False).encode("utf-8")
        path.parent.mkdir(parents=True, exist_ok=True)
        _atomic(path, lambda handle: handle.write(text))
        return True
    except (OSError, ValueError, TypeError) as exc:
        log.info("%s not kept: %s", path, exc)
        return False


def read(stem: Path, expected: dict[str, Any]) -> tuple[dict[str, np.ndarray], dict] | None:
    """``(arrays, meta)`` of ``stem`` when its JSON says ``expected``; ``None`` otherwise."""
    meta = read_json(suffixed(stem, ".json"), expected)
    if meta is None:
        return None
    try:
        return _arrays(suffixed(stem, ".npz")), meta
    except FileNotFoundError:
        return None
    except Exception as exc:  # whatever a damaged file raises, it is only a miss
        log.info("parsed arrays at %s unreadable (%s: %s)", stem, type(exc).__name__, exc)
        return None


def read_json(path: Path, expected: dict[str, Any]) -> dict | None:
    """A JSON object that says ``expected`` (format included); anything else is ``None``."""
    try:
        with path.open("rb") as handle:
            meta = json.loads(handle.read(MAX_BYTES).decode("utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        log.info("%s unreadable (%s)", path, exc)
        return None
    wanted = {"format": FORMAT, **expected}
    if not isinstance(meta, dict) or any(meta.get(k) != v for k, v in wanted.items()):
        return None  # another version's file, or another source's: not ours to read
    return meta


def remove(stem: Path) -> None:
    """Delete ``stem``'s two files, if they are there and the system lets go of them."""
    for suffix in (".npz", ".json"):
        try:
            suffixed(stem, suffix).unlink(missing_ok=True)
        except OSError:  # open in another process (Windows): it goes next time
            pass


def suffixed(stem: Path, suffix: str) -> Path:
    """``stem`` with ``suffix`` added (a stem may hold dots of its own)."""
    return stem.with_name(stem.name + suffix)


def _arrays(path: Path) -> dict[str, np.ndarray]:
    """Every member of an uncompressed ``.npz``, read in one go and checked against its CRC."""
    if path.stat().st_size > MAX_BYTES:
        raise ValueError("file too large")
    data = bytearray(path.read_bytes())  # writable: the arrays are views of it
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        members = archive.infolist()
    arrays = {}
    for info in members:
        if not info.filename.endswith(".npy") or info.compress_type != zipfile.ZIP_STORED:
            raise ValueError(f"unexpected member {info.filename[:40]!r}")
        start = _data_start(data, info)
        member = memoryview(data)[start:start + info.file_size]
        if len(member) != info.file_size or zlib.crc32(member) != info.CRC:
            raise ValueError(f"member {info.filename[:40]!r} damaged")
        arrays[info.filename[:-4]] = _array(member)
    return arrays


def _data_start(data: bytearray, info: zipfile.ZipInfo) -> int:
    """Where a stored member's bytes begin: after its local header, name and extra field."""
    header = bytes(data[info.header_offset:info.header_offset + _LOCAL.size])
    if len(header) != _LOCAL.size or not header.startswith(b"PK\x03\x04"):
        raise ValueError("local header missing")
    name_length, extra_length = _LOCAL.unpack(header)[-2:]
    return info.header_offset + _LOCAL.size + name_length + extra_length


def _array(member: memoryview) -> np.ndarray:
    """One ``.npy`` member: header checked (no objects, no more bytes than the member holds)."""
    stream = io.BytesIO(member[:_HEADER_READ])
    version = np.lib.format.read_magic(stream)
    header = (np.lib.format.read_array_header_1_0 if version == (1, 0)
              else np.lib.format.read_array_header_2_0)
    shape, fortran, dtype = header(stream)
    if dtype.hasobject or dtype.kind not in "fiuMb":
        raise ValueError(f"dtype {dtype} is not numbers or dates")
    count, offset = math.prod(shape), stream.tell()
    if count * dtype.itemsize != len(member) - offset:
        raise ValueError("header does not match the data the file holds")
    return np.frombuffer(member, dtype=dtype, count=count, offset=offset).reshape(
        shape, order="F" if fortran else "C")


def _atomic(path: Path, fill) -> None:
    """Write through a temporary file in the same folder, then replace: readers never see half."""
    handle = tempfile.NamedTemporaryFile(dir=path.parent, prefix=path.name, suffix=".part",
                                         delete=False)
    try:
        with handle:
            fill(handle)
        os.replace(handle.name, path)
    except BaseException:
        Path(handle.name).unlink(missing_ok=True)
        raise
