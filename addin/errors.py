"""The engine's exceptions.

Every failure a user can cause or meet is an :class:`AddinError`; its message is short, names the
value that failed and says what is allowed or what to do next, because in Excel it becomes the cell
text ``#N/A <message>``.
"""

from __future__ import annotations


class AddinError(Exception):
    """Base of every error the engine raises on purpose."""


class UnknownSeries(AddinError):
    """A series or flow id that the catalogue does not know."""


class NoData(AddinError):
    """The series exists but has no observation where one was asked for."""


class SourceUnavailable(AddinError):
    """A publisher could not be reached (or answered with an error) and nothing usable is cached."""


class LayoutChanged(AddinError):
    """A publisher's file no longer has the layout the parser expects.

    Raised by a source's ``parse``; the download that produced it is never kept in the cache.
    """


class BadArgument(AddinError):
    """An argument that cannot be understood (a date, a measure, a currency...)."""
