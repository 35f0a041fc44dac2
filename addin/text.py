"""Text from outside, made safe to show: in a terminal, in a log, in a workbook.

Publishers' headers and file names, the host of a redirect, the arguments a user typed into a cell:
all of it reaches messages. Shown as it is, a control code can clear or retitle a terminal, a
newline can forge a log line, a 100,000-character argument makes a 100,000-character log line.
:func:`clean` shows control characters as ``\\xNN`` and cuts the text; :func:`arguments` sums up
a call's arguments in a few hundred characters; :class:`CappedFormatter` applies both to every
log record the command line and the Excel functions write. Rich markup is the command line's
own concern (it escapes what it prints).
"""

from __future__ import annotations

import logging
import re

MAX_LOG = 2000  # characters of one log message
MAX_TRACE = 8000  # characters of one traceback
MAX_ARGUMENTS = 300
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029]")
_CONTROL_OR_NEWLINE = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def clean(text, limit: int | None = None, newlines: bool = False) -> str:
    """``text`` with control characters shown as ``\\xNN``, cut to ``limit`` characters.

    Args:
        text: Anything; it is turned into text first.
        limit: At most this many characters (an ellipsis and the number left out end a cut).
        newlines: Keep line breaks (a traceback); otherwise they are shown as ``\\n`` too.
    """
    text = str(text)
    if limit is not None and len(text) > limit:
        text = f"{text[:limit]}… ({len(text) - limit:,} more characters)"
    pattern = _CONTROL if newlines else _CONTROL_OR_NEWLINE
    return pattern.sub(lambda found: _escape(found.group(0)), text)


def _escape(char: str) -> str:
    if char == "\n":
        return "\\n"
    return f"\\x{ord(char):02x}" if ord(char) < 256 else f"\\u{ord(char):04x}"


def arguments(args: tuple, limit: int = MAX_ARGUMENTS) -> str:
    """A short summary of a call's arguments: each value's ``repr`` cut, a range as its shape."""
    return clean(", ".join(_argument(value) for value in args), limit)


def _argument(value) -> str:
    if isinstance(value, (list, tuple)):
        rows = len(value)
        if rows and isinstance(value[0], (list, tuple)):
            return f"<range {rows}x{len(value[0])}>"
        return f"<range of {rows}>"
    text = repr(value)
    return text if len(text) <= 60 else f"{text[:57]}...({len(text):,} characters)"


class CappedFormatter(logging.Formatter):
    """A formatter whose records are one line of at most :data:`MAX_LOG` characters of message
    (control characters escaped) and whose tracebacks are cut to :data:`MAX_TRACE`."""

    def format(self, record: logging.LogRecord) -> str:
        saved = record.msg, record.args
        record.msg, record.args = clean(record.getMessage(), MAX_LOG), ()
        try:
            return super().format(record)
        finally:
            record.msg, record.args = saved

    def formatException(self, ei) -> str:  # noqa: N802 (logging's name)
        return clean(super().formatException(ei), MAX_TRACE, newlines=True)
