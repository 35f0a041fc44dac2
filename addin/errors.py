"""The engine's exceptions.

Every failure a user can cause or meet is an :class:`AddinError`; its message is a sentence that
names the value that failed and says what is allowed or what to do next. The faces decide how
much of it fits their space: in Excel it becomes the cell text ``#N/A <message>``, shortened there.
"""

from __future__ import annotations

TIMED_OUT, UNREACHABLE = "timed out", "unreachable"


class AddinError(Exception):
    """Base of every error the engine raises on purpose."""


class UnknownSeries(AddinError):
    """A series or flow id that the catalogue does not know."""


class NoData(AddinError):
    """The series exists but has no observation where one was asked for."""


class SourceUnavailable(AddinError):
    """A publisher could not be reached (or answered with an error) and nothing usable is cached.

    ``source`` and ``problem`` keep the parts of the message apart, so that a face with little
    room (an Excel cell) can say the same thing in fewer words (see :func:`phrasings`).
    """

    def __init__(self, message: str, source: str = "", problem: str = "",
                 mirrored: bool = False) -> None:
        super().__init__(message)
        self.source, self.problem, self.mirrored = source, problem, mirrored

    @classmethod
    def nothing_cached(cls, source: str, problem: str,
                       mirrored: bool = False) -> "SourceUnavailable":
        """A download failed and no earlier copy exists (``mirrored``: via JPFLOWS_MIRROR)."""
        return cls(phrasings(source, problem, mirrored)[0], source, problem, mirrored)


class KeyMissing(SourceUnavailable):
    """A source needs an API key and none is set: nothing was asked. ``setting`` names it."""

    def __init__(self, source: str, setting: str, message: str = "") -> None:
        super().__init__(message or f"{source} needs an API key; set {setting}")
        self.setting = setting


class LayoutChanged(AddinError):
    """A publisher's file no longer has the layout the parser expects.

    Raised by a source's ``parse``; the download that produced it is never kept in the cache.
    """


class BadArgument(AddinError):
    """An argument that cannot be understood (a date, a measure, a currency...)."""


def phrasings(source: str, problem: str, mirrored: bool = False) -> list[str]:
    """Ways to say that ``source`` failed with ``problem`` and nothing is cached, longest first.

    ``mirrored``: the request went through ``JPFLOWS_MIRROR``, which is then worth checking; a
    user who never set it is not told about it.
    """
    if problem in (TIMED_OUT, UNREACHABLE):
        where = "network or JPFLOWS_MIRROR" if mirrored else "network or proxy"
        return [f"{source} {problem}, nothing cached; check {where}",
                f"{source} {problem}, nothing cached; check network"]
    if problem.startswith("HTTP "):
        then = "check JPFLOWS_MIRROR or try later" if mirrored else "try again later"
        return [f"{source} answered {problem}, nothing cached; {then}",
                f"{source} answered {problem}, nothing cached"]
    named = problem if problem.split(" ")[0] == source.split(" ")[0] else f"{source}: {problem}"
    return [f"{named}; nothing cached", named]
