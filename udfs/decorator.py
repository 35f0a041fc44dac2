"""The one decorator that turns a plain function into an Excel function.

It registers the function with xlwings (``xw.func``/``xw.arg``, looked up at decoration time so a
test can substitute xlwings' Windows registration), keeps the docstring for the Function Wizard,
and turns every failure into what :func:`udfs.failures.cell_error` says the cell gets: Excel never
sees a traceback. Every function also takes xlwings' reserved ``caller`` argument last (the
calling cell on Windows, absent in the Function Wizard), so a failure can be told per cell.
"""

from __future__ import annotations

import functools
import inspect
import logging
from typing import Callable

from addin.errors import AddinError
from addin.text import CappedFormatter, arguments
from udfs.failures import cell_error, error_text  # noqa: F401  (error_text is public here too)

log = logging.getLogger("jpflows.udfs")
_log_ready = False

CATEGORY = "jpflows"
CALLER = "caller"
CALLER_DOC = "The calling cell, filled in by xlwings (not shown in Excel)"
INTERNAL = "internal error; details in the jpflows log"
REGISTERED: dict[str, Callable] = {}


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


def udf(range_args: tuple[str, ...] = (), /, **arg_docs: str):
    """Register ``function`` as ``JP_*`` with a description for each argument.

    Args:
        range_args: Arguments xlwings passes as a range object (on Windows), not as values.
        **arg_docs: argument name -> one-line help shown in Excel's Function Wizard.
    """

    def decorate(function: Callable) -> Callable:
        signature = inspect.signature(function)
        missing = set(signature.parameters) - set(arg_docs)
        if missing:
            raise TypeError(f"{function.__name__}: no description for {sorted(missing)}")
        call = _guarded(function, len(signature.parameters))
        call.excel_signature = signature  # what a user passes; ``caller`` is xlwings' to fill
        call.__signature__ = signature.replace(parameters=[
            *signature.parameters.values(),
            inspect.Parameter(CALLER, inspect.Parameter.POSITIONAL_OR_KEYWORD, default=None)])
        call.arg_docs, call.range_args = dict(arg_docs), tuple(range_args)
        REGISTERED[function.__name__] = call
        import xlwings as xw

        return register(call, xw.func, xw.arg)

    return decorate


def served() -> dict[str, Callable]:
    """The functions that work on values alone, so a server can call them for a remote cell.

    A function that takes a range object (``JP_ERROR`` reads its calling workbook) is desktop only.
    """
    return {name: call for name, call in REGISTERED.items() if not call.range_args}


def _guarded(function: Callable, size: int) -> Callable:
    """``function`` answering every failure with a cell value; argument ``size`` is the caller."""

    @functools.wraps(function)
    def call(*args, **kwargs):
        caller = kwargs.pop(CALLER, None)
        if len(args) > size:
            caller, args = args[size], args[:size] + args[size + 1:]
        try:
            return function(*args, **kwargs)
        except AddinError as exc:  # the arguments summed up: a cell may hold 100,000 characters
            _log().info("%s(%s): %s", function.__name__, arguments(args), exc)
            return cell_error(exc, caller)
        except Exception:  # never a traceback in a cell; the log has the details
            _log().exception("%s(%s) failed", function.__name__, arguments(args))
            return cell_error(INTERNAL, caller)

    return call


def register(call: Callable, func: Callable, arg: Callable) -> Callable:
    """Attach xlwings' metadata to ``call`` with ``func``/``arg`` (``xw.func``/``xw.arg``, or the
    Windows registration that the VBA wrappers are generated from)."""
    for name, doc in reversed(list(call.arg_docs.items())):
        call = arg(name, "range" if name in call.range_args else None, doc=doc)(call)
    call = arg(CALLER, doc=CALLER_DOC)(call)
    return func(category=CATEGORY, call_in_wizard=False)(call)
