"""Fitting the engine's sentences into a cell: ``#N/A `` plus at most 75 characters.

The engine says what went wrong in full; only here is it shortened, choosing the longest of the
engine's own phrasings that fits before cutting anything.
"""

from __future__ import annotations

from addin.errors import AddinError, SourceUnavailable, phrasings
from addin.text import clean

MAX_MESSAGE = 75  # "#N/A " plus the message stays within Excel's 80 characters


def fit(text: str) -> str:
    """``text`` on one line, cut to :data:`MAX_MESSAGE` with an ellipsis when longer."""
    text = clean(" ".join(str(text).split()))  # a publisher's control codes shown, not sent
    return text if len(text) <= MAX_MESSAGE else text[:MAX_MESSAGE - 1] + "…"


def unavailable_message(source: str, problem: str, mirrored: bool = False) -> str:
    """The cell text when a download failed and nothing is cached: at most 75 characters."""
    options = [clean(text) for text in phrasings(source, problem, mirrored)]
    fitting = [text for text in options if len(text) <= MAX_MESSAGE]
    return fitting[0] if fitting else fit(options[-1])


def cell_message(exc: AddinError) -> str:
    """What a cell says about an engine error."""
    if isinstance(exc, SourceUnavailable) and exc.source and exc.problem:
        return unavailable_message(exc.source, exc.problem, getattr(exc, "mirrored", False))
    return fit(str(exc))
