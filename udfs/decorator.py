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

log = logging.getLogger("jpflows.udfs")

CATEGORY = "jpflows"
MAX_ERROR = 80
REGISTERED: dict[str, Callable] = {}


def error_text(message: str) -> str:
    """``#N/A <message>`` cut to Excel-friendly length, one line."""
    text = "#N/A " + " ".join(str(message).split())
    return text if len(text) <= MAX_ERROR else text[: MAX_ERROR - 3] + "..."


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
            except AddinError as exc:
                return error_text(str(exc))
            except Exception:  # never a traceback in a cell; the log has the details
                log.exception("%s failed", function.__name__)
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
