"""Files the command line will write, checked before any download or computation starts.

A monitor that took a minute of downloads must not end in a traceback because its folder was
mistyped; a path that cannot be written is refused up front, as a usage error.
"""

from __future__ import annotations

from pathlib import Path


def refusal(path: str | Path) -> str | None:
    """Why ``path`` cannot be written as a file, or ``None`` when it can.

    An existing file is opened for appending (nothing is written, so nothing changes): that is
    what finds a file another program holds locked or a read-only file. A new file is created
    and removed again, which also answers for folders the current user may not write in.
    """
    if not str(path).strip():
        return "the path is empty"
    target = Path(path).expanduser()
    if target.is_dir():
        return "it is a folder; name a file inside it"
    folder = target.parent
    if not folder.exists():
        return f"folder {folder} does not exist"
    if not folder.is_dir():
        return f"{folder} is not a folder"
    return _probe(target)


def _probe(target: Path) -> str | None:
    existed = target.exists()
    try:
        with open(target, "ab"):
            pass
    except OSError as exc:
        return f"it cannot be opened for writing ({exc.strerror or exc})"
    if not existed:
        target.unlink(missing_ok=True)
    return None


def first_refusal(paths) -> tuple[str, str] | None:
    """``(path, reason)`` for the first of ``paths`` (``None`` entries skipped) that is refused."""
    for path in paths:
        if path is not None and (reason := refusal(path)) is not None:
            return str(path), reason
    return None
