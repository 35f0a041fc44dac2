"""Engine text as the command line shows it: cleaned, and speaking of commands, not cells.

The engine's messages are written once, for every face; where they point at an Excel function
(``try JP_SEARCH("JGB")``) a terminal user needs the command that does the same
(``try jpflows search JGB``). :func:`said` is that translation, applied where text leaves the
command line, so the engine's sentences stay the same for Excel.
"""

from __future__ import annotations

import re

from addin.text import clean

# Excel function -> the command answering the same question; the first text argument (the id or
# the search words) carries over. Functions without a command here stay as they are.
COMMANDS = {
    "JP_SEARCH": "jpflows search",
    "JP_INFO": "jpflows info",
    "JP_STATUS": "jpflows status",
    "JP_SERIES": "jpflows show",
    "JP_FLOWS": "jpflows show",
}

_CALL = re.compile(r'\b(?P<name>JP_[A-Z_]+)\b(?:\(\s*(?:"(?P<quoted>[^"]*)")?[^)]*\)'
                   r'|\s+(?P<bare>[A-Z][A-Za-z0-9_:]*)\b)?')


def _command(match: re.Match) -> str:
    command = COMMANDS.get(match["name"])
    if command is None:
        return match[0]
    argument = (match["quoted"] or match["bare"] or "").strip()
    if argument and not re.fullmatch(r"[A-Za-z0-9_:.\-]+", argument):
        argument = '"' + argument.replace('"', "") + '"'  # several words: one shell argument
    return f"{command} {argument}".rstrip()


def said(text, limit: int | None = None) -> str:
    """Engine text for a terminal: Excel functions named as commands, control characters shown."""
    return _CALL.sub(_command, clean(text, limit))


def shown(text, limit: int | None = None) -> str:
    """:func:`said`, with rich markup escaped, for a rich console."""
    from rich.markup import escape

    return escape(said(text, limit))


def figure(value, unit: str = "") -> str:
    """A value as the terminal shows it: yes/no, a ratio as a signed percent, rates to 3 places."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        if unit == "ratio":
            return f"{value:+.1%}"
        return f"{value:,.3f}" if unit in ("%", "pp") else f"{value:,.2f}"
    return "" if value is None else str(value)
