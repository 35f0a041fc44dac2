"""How large a text file may be before it is parsed: cells and line length, counted on the bytes.

The download cap bounds the bytes, not what they expand to: 64 MiB of ``1,`` is 33 million cells
and took a CSV parser past 7 GB of memory; one quoted cell of 64 MiB, or 4 million short rows,
cost 400 to 700 MB. So before a source's parser sees a text body, its size, its cells (lines
plus the separators of the most used kind) and, for a CSV, its longest line are counted without
building anything per line (HTML and JSON may come on one line), and a body past the source's
:class:`~addin.sources.base.Shape` is refused as a changed layout. Within the limits every parser
stays under 256 MB (docs/reliability.md).
"""

from __future__ import annotations

import numpy as np

from addin.errors import LayoutChanged
from addin.sources.base import Shape

_SEPARATORS = (b",", b"\t", b";")


def check(body: bytes, shape: Shape | None, label: str) -> None:
    """Refuse ``body`` when it holds more cells, or a longer line, than ``shape`` allows.

    Raises:
        LayoutChanged: naming the count and the limit.
    """
    if shape is None or not isinstance(body, (bytes, bytearray)):
        return
    if len(body) > shape.max_bytes:
        raise LayoutChanged(f"{label}: {len(body):,} bytes, more than the {shape.max_bytes:,} "
                            "a text file may have")
    lines = body.count(b"\n") + 1
    cells = lines + max(body.count(separator) for separator in _SEPARATORS)
    if cells > shape.max_cells:
        raise LayoutChanged(f"{label}: about {cells:,} cells, more than the {shape.max_cells:,} "
                            "a file may hold")
    if body[:256].lstrip(b"\xef\xbb\xbf \t\r\n")[:1] in (b"<", b"{", b"["):
        return  # HTML or JSON: one line may hold it all; its parser is not a CSV reader
    longest = _longest_line(body)
    if longest > shape.max_line:
        raise LayoutChanged(f"{label}: a line of {longest:,} bytes, longer than "
                            f"{shape.max_line:,}")


def _longest_line(body: bytes) -> int:
    """Bytes in the longest line; the line ends are few here (the cells were counted first)."""
    ends = np.flatnonzero(np.frombuffer(body, dtype=np.uint8) == 10)
    edges = np.concatenate(([-1], ends, [len(body)]))
    return int(np.diff(edges).max()) - 1 if len(body) else 0


def bodies(raw):
    """The byte strings in what a source's download returned (bytes, or tuples holding them)."""
    if isinstance(raw, (bytes, bytearray)):
        yield raw
    elif isinstance(raw, (tuple, list)):
        for item in raw:
            yield from bodies(item)
