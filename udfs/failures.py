"""What a cell gets when a JP_* function fails, and where the reason goes.

Through xlwings a Python function cannot hand Excel a real error value: its answer travels as a
COM VARIANT that pywin32 makes from a Python value, and xlwings has no Python value that becomes
``#N/A`` (a string "#N/A" stays a string). So the choice, ``JPFLOWS_ERRORS``, is made here:

* ``text`` (default, like Bloomberg's ``#N/A Invalid Security``): ``#N/A <reason>`` as text, so
  the reason is in the cell; ``ISNA``/``IFERROR`` do not catch it, ``ISTEXT`` does.
* ``errors``: the bare text ``#N/A``, which the template's VBA wrapper turns into Excel's real
  ``#N/A`` (and xlwings' Office.js engine does so by itself), so ``IFERROR``/``ISNA`` catch it.
  The reason is remembered per calling cell (xlwings' ``caller`` argument) for ``JP_ERROR(cell)``.

In both modes the reason is also written to the log. :func:`cell_error` is the one place that
turns a failure into a cell value; anything that calls the functions (the HTTP server too) gets
exactly what a cell would.
"""

from __future__ import annotations

import threading
from collections import OrderedDict

from addin.errors import AddinError
from udfs.messages import cell_message

NA = "#N/A"
TEXT, ERRORS = "text", "errors"
MAX_ERROR = 80
MAX_REMEMBERED = 10_000
EXCEL_ERRORS = ("#DIV/0!", "#NAME?", "#NULL!", "#NUM!", "#REF!", "#VALUE!", "#SPILL!", "#CALC!")
NOT_RECORDED = "no reason recorded for this #N/A since Excel started; Refresh recalculates"

_reasons: OrderedDict[str, str] = OrderedDict()
_lock = threading.Lock()


def error_text(message: str) -> str:
    """``#N/A <message>`` cut to Excel-friendly length, one line."""
    text = f"{NA} " + " ".join(str(message).split())
    return text if len(text) <= MAX_ERROR else text[: MAX_ERROR - 3] + "..."


_remote = threading.local()


class remote_call:
    """Within it, failures are always ``#N/A <reason>`` texts: a remote cell (the desk server's
    caller) has no workbook for ``JP_ERROR`` to read the reason from."""

    def __enter__(self):
        _remote.active = True

    def __exit__(self, *exc):
        _remote.active = False


def mode() -> str:
    """``text`` or ``errors`` (``JPFLOWS_ERRORS``); ``text`` when the settings cannot be read."""
    if getattr(_remote, "active", False):
        return TEXT
    try:
        from addin import api

        return api.engine().config.errors
    except Exception:  # a broken setting must still produce its own error text
        return TEXT


def cell_error(failure: AddinError | str, caller=None) -> str:
    """What the calling cell gets for an engine error (or a failure described by a text)."""
    text = error_text(cell_message(failure) if isinstance(failure, AddinError) else failure)
    if mode() != ERRORS:
        return text
    remember(caller, text[len(NA) + 1:])
    return NA


def address(cell) -> str | None:
    """``[Book.xlsm]Sheet!$A$1`` of an xlwings range (its top-left cell); None for anything else."""
    try:
        return str(cell.get_address(external=True)).split(":")[0]
    except Exception:  # not a range: a plain value, or no Excel behind it
        return None


def remember(caller, reason: str) -> None:
    """Keep ``reason`` for the calling cell, so ``JP_ERROR`` can tell it (oldest dropped first)."""
    key = address(caller) if caller is not None else None
    if key is None:
        return
    with _lock:
        _reasons[key] = reason
        _reasons.move_to_end(key)
        while len(_reasons) > MAX_REMEMBERED:
            _reasons.popitem(last=False)


def _shown(cell):
    """What the cell shows: an xlwings range is read with errors as text, a value is itself."""
    if hasattr(cell, "get_address") and hasattr(cell, "options"):
        cell = cell.options(err_to_str=True).value
    while isinstance(cell, (list, tuple)) and cell:
        cell = cell[0]
    return cell


def reason(cell) -> str:
    """Why ``cell`` failed: the text behind ``#N/A <reason>``, or the remembered reason of a #N/A."""
    shown = _shown(cell)
    if isinstance(shown, str) and shown.startswith(f"{NA} "):
        return shown[len(NA) + 1:]
    if shown == NA:
        with _lock:
            return _reasons.get(address(cell) or "", NOT_RECORDED)
    if isinstance(shown, str) and shown in EXCEL_ERRORS:
        return f"{shown} is Excel's own error, not a jpflows failure"
    return "OK"
