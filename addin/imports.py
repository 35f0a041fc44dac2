"""Importing a library without the optional parts jpflows never uses.

requests-cache's package import tries every storage backend and serializer whose driver happens
to be installed (Redis alone costs a tenth of a second) and keeps a placeholder for each one that
fails to import. :func:`without` makes the named modules fail to import, in the importing thread
only and only while the library loads, so those placeholders are what it keeps. A backend jpflows
does use (Redis for a team) is imported by its own module name when it is configured.
"""

from __future__ import annotations

import importlib.abc
import sys
import threading
from contextlib import contextmanager
from typing import Iterator


class _Refuse(importlib.abc.MetaPathFinder):
    """Refuses ``names`` to one thread; every other import goes on as usual."""

    def __init__(self, names: frozenset[str]) -> None:
        self.names, self.thread = names, threading.get_ident()

    def find_spec(self, name, path=None, target=None):
        if name in self.names and threading.get_ident() == self.thread:
            raise ModuleNotFoundError(f"{name} is not used by jpflows", name=name)
        return None


@contextmanager
def without(names: tuple[str, ...]) -> Iterator[None]:
    """While inside, importing any of ``names`` (not yet imported) fails in this thread."""
    finder = _Refuse(frozenset(name for name in names if name not in sys.modules))
    sys.meta_path.insert(0, finder)
    try:
        yield
    finally:
        sys.meta_path.remove(finder)

