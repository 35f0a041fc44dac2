"""The one decorator that turns a plain function into an Excel function.

It registers the function with xlwings (``xw.func``/``xw.arg``, looked up at decoration time so a
test can substitute xlwings' Windows registration), keeps the docstring for the Function Wizard,
and turns every failure into a short ``#N/A <reason>`` text: Excel never sees a traceback.
"""

from __future__ import annotations

import functools
import inspect
import logging
from typing import Callable

from addin.errors import AddinError
from addin.text import CappedFormatter, arguments
from udfs.messages import cell_message

log = logging.getLogger("jpflows.udfs")
_log_ready = False

CATEGORY = "jpflows"
MAX_ERROR = 80
REGISTERED: dict[str, Callable] = {}


def error_text(message: str) -> str:
    """``#N/A <message>`` cut to Excel-friendly length, one line."""
    text = "#N/A " + " ".join(str(message).split())
    return text if len(text) <= MAX_ERROR else text[: MAX_ERROR - 3] + "..."


def log_file():
    """Where the Excel functions write their details (the user log dir)."""
    import platformdirs
    from pathlib import Path

    return Path(platformdirs.user_log_dir("jpflows", appauthor=False)) / "jpflows.log"


def _log() -> logging.Logger:
    """The log, writing to :func:`log_file` from the first message on (not at import)."""
    global _log_ready
    if not _log_ready:
        _log_ready = True
        try:
            from logging.handlers import RotatingFileHandler

            path = log_file()
            path.parent.mkdir(parents=True, exist_ok=True)
            handler = RotatingFileHandler(path, maxBytes=1_000_000, backupCount=2, encoding="utf-8")
            handler.setFormatter(CappedFormatter("%(asctime)s %(levelname)s %(message)s"))
            log.addHandler(handler)
            log.setLevel(logging.INFO)
            log.propagate = False  # details belong in the file, not on a console
        except OSError:  # a read-only profile must not break the functions
            pass
    return log


def udf(**arg_docs: str):
    """Register ``function`` as ``JP_*`` with a description for each argument.

    Args:
        **arg_docs: argument name -> one-line help shown in Excel's Function Wizard.
    """

    def decorate(function: Callable) -> Callable:
        missing = set(inspect.signature(function).parameters) - set(arg_docs)
        if missing:
            raise TypeError(f"{function.__name__}: no description for {sorted(missing)}")

        @functools.wraps(function)
        def call(*args, **kwargs):
            try:
                return function(*args, **kwargs)
            except AddinError as exc:  # the arguments summed up: a cell may hold 100,000 characters
                _log().info("%s(%s): %s", function.__name__, arguments(args), exc)
                return error_text(cell_message(exc))
            except Exception:  # never a traceback in a cell; the log has the details
                _log().exception("%s(%s) failed", function.__name__, arguments(args))
                return error_text("internal error; details in the jpflows log")

        call.arg_docs = dict(arg_docs)
        REGISTERED[function.__name__] = call
        return _register(call, arg_docs)

    return decorate


def _register(call: Callable, arg_docs: dict[str, str]) -> Callable:
    import xlwings as xw

    for name, doc in reversed(list(arg_docs.items())):
        call = xw.arg(name, doc=doc)(call)
    return xw.func(category=CATEGORY, call_in_wizard=False)(call)
