"""The desk server: the ``JP_*`` Excel functions over HTTP, for Excel without local Python.

``jpflows serve`` runs :func:`create_app` on uvicorn. ``POST /v1/call/{JP_NAME}`` calls the
registered Excel function itself (``udfs.REGISTERED``) with the JSON arguments, exactly as Excel
would (ISO dates or serial numbers, ranges as lists of rows), and answers what the desktop cell
would show, through one encoder (:func:`encode`). This is why this module, like the command
line, reaches the ``udfs`` layer: it serves the Excel functions themselves, so coercion, the
``#N/A`` texts and the result shapes cannot drift from the desktop.

No endpoint fetches a URL a client names: the catalogue decides every publisher URL. Browsers
are admitted from ``JPFLOWS_CORS_ORIGINS`` only, a bearer token (``JPFLOWS_SERVER_TOKEN``) is
required when set, and body size and request rate are limited (:mod:`addin.server_guard`).
FastAPI is imported here only: ``import udfs`` and ``import addin.api`` never pay for it.
"""

from __future__ import annotations

import inspect
import logging
import math
import os
import sys
import uuid
from dataclasses import dataclass
from datetime import date, datetime
from typing import Callable, List, Optional, Union

from fastapi import FastAPI, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictFloat, StrictInt, StrictStr
from starlette.exceptions import HTTPException

from addin.config import Config
from addin.errors import BadArgument
from addin.server_guard import Guard, Rules

log = logging.getLogger(__name__)

# The origin the xlwings Lite add-in runs on, as its documentation tells servers to allow it
# (lite.xlwings.org, "Web API Requests": Access-Control-Allow-Origin: https://addin.xlwings.org).
# A self-hosted Lite add-in has the company's own origin: add it to JPFLOWS_CORS_ORIGINS.
LITE_ORIGINS = ("https://addin.xlwings.org",)
MAX_ARGS = 16
MAX_CELLS = 50_000
MAX_TEXT = 400
WORKER = uuid.uuid4().hex[:8]  # names the worker process in a response header

Cell = Union[StrictBool, StrictInt, StrictFloat, StrictStr, None]
Argument = Union[Cell, List[Union[Cell, List[Cell]]]]


class Call(BaseModel):
    """The body of ``POST /v1/call/{name}``: the arguments in Excel's order."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={
        "examples": [{"args": ["JGB10Y", "2025-09-30"]}, {"args": ["UST5Y", 45930]}]})
    args: List[Argument] = Field(default_factory=list, max_length=MAX_ARGS,
                                 description="number, text, TRUE/FALSE, null (blank) or a "
                                             "range as a list of rows")


@dataclass(frozen=True)
class ServerSettings:
    """The server's own settings, read from the environment when the app is built."""

    origins: tuple[str, ...] = LITE_ORIGINS
    token: Optional[str] = None
    max_body: int = 1_000_000
    rate: float = 50.0
    burst: int = 200

    @classmethod
    def from_env(cls, environ=None) -> "ServerSettings":
        env = os.environ if environ is None else environ
        origins = env.get("JPFLOWS_CORS_ORIGINS")
        return cls(origins=LITE_ORIGINS if origins is None else _origins(origins),
                   token=env.get("JPFLOWS_SERVER_TOKEN", "").strip() or None,
                   max_body=int(_number(env, "JPFLOWS_SERVER_MAX_BODY", cls.max_body)),
                   rate=_number(env, "JPFLOWS_SERVER_RATE", cls.rate),
                   burst=int(_number(env, "JPFLOWS_SERVER_BURST", cls.burst)))


def _origins(text: str) -> tuple[str, ...]:
    found = tuple(o.strip().rstrip("/") for o in text.split(",") if o.strip())
    for origin in found:
        if not origin.startswith(("http://", "https://")) or origin.count("/") != 2:
            raise BadArgument(f"JPFLOWS_CORS_ORIGINS: {origin[:40]!r} is not an origin "
                              "such as https://addin.xlwings.org")
    return found


def _number(env, name: str, default: float) -> float:
    text = env.get(name, "").strip()
    try:
        value = float(text) if text else float(default)
    except ValueError:
        raise BadArgument(f"{name}={text[:12]!r} is not a number") from None
    if not 0 <= value < math.inf:
        raise BadArgument(f"{name} must be zero or a positive number")
    return value


def encode(value):
    """A desktop result as JSON: the one place that knows how a cell travels.

    Dates become ``YYYY-MM-DD`` text, tables stay lists of rows, numpy scalars become plain
    numbers, and NaN or infinity become ``null`` (a blank cell, as Excel shows them); texts,
    including ``#N/A <reason>``, pass unchanged.
    """
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, (list, tuple)):
        return [encode(item) for item in value]
    if isinstance(value, (datetime, date)):
        return value.strftime("%Y-%m-%d")
    if hasattr(value, "item") and not hasattr(value, "__len__"):
        return encode(value.item())  # numpy scalars: float64, int64, bool_
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    raise TypeError(f"no JSON form for a {type(value).__name__} result")


def functions() -> dict[str, Callable]:
    """The registered Excel functions, name -> callable (imported on first use)."""
    from udfs.decorator import served

    import udfs  # noqa: F401  (registers every JP_* function)

    return served()


def describe(name: str, function: Callable) -> dict:
    """Name, help text and arguments of an Excel function, as the Function Wizard shows them."""
    arguments = [{"name": p.name, "required": p.default is inspect.Parameter.empty,
                  "default": None if p.default is inspect.Parameter.empty else p.default,
                  "doc": function.arg_docs.get(p.name, "")}
                 for p in function.excel_signature.parameters.values()]
    return {"name": name, "doc": inspect.getdoc(function) or "", "args": arguments}


def _lookup(name: str) -> tuple[str, Callable]:
    found = functions().get(name.upper())
    if found is None:
        raise HTTPException(404, f'unknown function "{name[:40]}"; GET /v1/functions lists them')
    return name.upper(), found


def _check_size(args: list) -> None:
    cells = [c for a in args for c in (_flat(a) if isinstance(a, list) else [a])]
    if len(cells) > MAX_CELLS:
        raise HTTPException(413, f"arguments hold {len(cells):,} cells; at most {MAX_CELLS:,}")
    if any(isinstance(c, str) and len(c) > MAX_TEXT for c in cells):
        raise HTTPException(413, f"a text argument is longer than {MAX_TEXT} characters")


def _flat(cells: list) -> list:
    return [c for row in cells for c in (row if isinstance(row, list) else [row])]


def _bind(name: str, function: Callable, args: list) -> None:
    try:
        function.excel_signature.bind(*args)
    except TypeError:
        names = [p.name if p.default is inspect.Parameter.empty else f"[{p.name}]"
                 for p in function.excel_signature.parameters.values()]
        raise HTTPException(422, f"{name} takes ({', '.join(names)}); "
                                 f"got {len(args)} argument(s)") from None


def create_app(settings: Optional[ServerSettings] = None) -> FastAPI:
    """The FastAPI app (uvicorn calls this once per worker process)."""
    settings = settings or ServerSettings.from_env()
    app = FastAPI(title="jpflows desk server", version="1", description=(
        "The jpflows Excel functions over HTTP: each call answers what the desktop "
        "=JP_...() cell shows."))
    _routes(app)
    _handlers(app)
    app.add_middleware(Guard, rules=Rules(settings.origins, settings.token, settings.max_body,
                                          settings.rate, settings.burst, WORKER))
    # Added last, so outermost: refusals from the guard still carry CORS headers.
    app.add_middleware(CORSMiddleware, allow_origins=list(settings.origins),
                       allow_methods=["GET", "POST"], allow_headers=["Authorization",
                                                                      "Content-Type"],
                       allow_private_network=True, max_age=600)
    return app


def _routes(app: FastAPI) -> None:
    # Answers are JSONResponse objects: FastAPI would otherwise validate each one again, on a
    # second trip through the thread pool.
    @app.post("/v1/call/{name}", summary="Call a JP_* function", response_model=None)
    def call(name: str, body: Call) -> JSONResponse:
        """``{"value": ...}``: what the desktop cell shows for the same arguments."""
        name, function = _lookup(name)
        _check_size(body.args)
        _bind(name, function, body.args)
        from udfs.failures import remote_call

        with remote_call():
            value = function(*body.args)
        return JSONResponse({"value": encode(value)})

    @app.get("/v1/functions", summary="The JP_* functions and their arguments")
    def listing() -> dict:
        return {"functions": [describe(n, f) for n, f in sorted(functions().items())]}

    @app.get("/v1/status", summary="Freshness of every source")
    def status() -> dict:
        from addin import api

        return {"sources": encode_rows(api.status()), "worker": WORKER}

    @app.get("/v1/search", summary="Series and flow ids matching words")
    def search(q: str = Query("", max_length=MAX_TEXT)) -> dict:
        from addin import api

        rows = api.search(q)
        return {"results": [{"id": i, "kind": k, "description": d} for i, k, d in rows]}


def encode_rows(rows: list[dict]) -> list[dict]:
    return [{key: encode(value) for key, value in row.items()} for row in rows]


def _handlers(app: FastAPI) -> None:
    @app.exception_handler(HTTPException)
    async def refused(request: Request, exc: HTTPException):
        return JSONResponse({"error": exc.detail}, status_code=exc.status_code,
                            headers=getattr(exc, "headers", None))

    @app.exception_handler(RequestValidationError)
    async def malformed(request: Request, exc: RequestValidationError):
        if "json" not in request.headers.get("content-type", ""):
            message = 'send Content-Type: application/json and a body {"args": [...]}'
        else:
            message = _validation_message(exc.errors())
        return JSONResponse({"error": message}, status_code=422)

    @app.exception_handler(Exception)
    async def crashed(request: Request, exc: Exception):
        log.exception("%s %s failed", request.method, request.url.path)
        return JSONResponse({"error": "internal error; details in the server log"},
                            status_code=500)


def _validation_message(errors) -> str:
    """The first problem with a request, in a user's words."""
    first = errors[0] if errors else {}
    where = [str(part) for part in first.get("loc", ()) if part != "body"]
    if first.get("type") == "json_invalid":
        return 'body is not valid JSON; send {"args": [...]}'
    if not where:
        return 'body must be a JSON object {"args": [...]}'
    if where[0] == "args" and len(where) > 1:
        return (f"argument {int(where[1]) + 1}: use a number, text, true/false, null "
                "or a range (a list of rows)")
    if where[0] == "args" and first.get("type") == "too_long":
        return f"at most {MAX_ARGS} arguments"
    if first.get("type") == "extra_forbidden":
        return f'unknown field "{where[0][:20]}"; the body is {{"args": [...]}}'
    return f"{'.'.join(where)}: {first.get('msg', 'not allowed')}"


def run(host: str, port: int, workers: int) -> int:
    """Serve on uvicorn until interrupted (``jpflows serve``)."""
    import uvicorn

    settings = ServerSettings.from_env()  # refuse bad settings before any worker starts
    if host not in ("127.0.0.1", "localhost", "::1") and settings.token is None:
        print(f"jpflows: serving on {host} without JPFLOWS_SERVER_TOKEN: anyone who reaches "
              "the port can use it; set a token and put the server behind TLS", file=sys.stderr)
    print(f"jpflows: serving on http://{host}:{port} with {workers} worker(s); "
          f"cache {Config.from_env().cache_label}", file=sys.stderr)
    uvicorn.run("addin.server:create_app", factory=True, host=host, port=port, workers=workers,
                log_level="warning", timeout_graceful_shutdown=5)
    return 0
