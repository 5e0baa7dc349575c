"""The web inspector's server: a Starlette app over a `Workspace`, the page shipped beside it, and ``neuprog serve``.

Starlette and uvicorn are the optional ``serve`` extra, so they are imported
only when an app is made or served; without them the command says which
extra to install. The page is three static files in ``neuprog/app/static``,
read once and served by name from a fixed list: no request reaches any other
file. Answers to requests are JSON; any failure is a JSON ``{"error": ...}``
with a 4xx or 5xx status, and the server goes on serving.
"""

from __future__ import annotations

import importlib.util
import json
import logging
import socket
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from importlib import resources
from urllib.parse import urlsplit

from neuprog.app.inspector import error_view
from neuprog.app.workspace import Workspace
from neuprog.errors import NeuprogError
from neuprog.learn.runner import open_model
from neuprog.tables.readers import read_table
from neuprog.tables.table import Table

MISSING_EXTRA = "the web inspector needs the 'serve' extra: pip install 'neuprog[serve]'"
PAGES = {"index.html": "text/html; charset=utf-8", "app.js": "text/javascript; charset=utf-8", "style.css": "text/css; charset=utf-8"}
"""The only files the server sends, by name."""
MAX_JSON_BYTES = 100_000
"""Largest question or program request; uploads have their own, configurable, limit."""
LOOPBACK = ("127.0.0.1", "localhost", "::1")
HEADERS = {
    "Content-Security-Policy": "default-src 'self'; object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}
"""Sent with every page and answer: nothing is loaded from elsewhere, nothing is framed or cached."""
log = logging.getLogger("neuprog.serve")


def create_app(workspace: Workspace, allowed_hosts: list[str] | None = None):
    """The Starlette app; ``allowed_hosts`` are the Host headers it answers (None: any), which keeps other web pages out of a local server.

    >>> from neuprog.learn.runner import open_model
    >>> from starlette.testclient import TestClient
    >>> client = TestClient(create_app(Workspace(open_model()[0], [Table.from_csv("examples/cities.csv")])))
    >>> client.post("/api/ask", json={"table": "t1", "question": "how many cities are there?"}).json()["answer"]
    '8'
    """
    try:
        from starlette.applications import Starlette
        from starlette.concurrency import run_in_threadpool
        from starlette.exceptions import HTTPException
        from starlette.middleware import Middleware
        from starlette.middleware.trustedhost import TrustedHostMiddleware
        from starlette.responses import JSONResponse, Response
        from starlette.routing import Route
    except ImportError:
        raise NeuprogError(MISSING_EXTRA) from None
    pages = {name: resources.files("neuprog.app").joinpath("static", name).read_bytes() for name in PAGES}

    def reply(payload: dict, status: int = 200) -> Response:
        return JSONResponse(payload, status_code=status, headers=HEADERS)

    async def answer(call, *args) -> Response:
        try:
            return reply(await run_in_threadpool(call, *args))
        except NeuprogError as error:
            return reply(error_view(error), getattr(error, "status", 400))
        except Exception as error:  # a bug in one request must not stop the server; the page shows the message, the log the traceback
            log.exception("request failed")
            return reply({"error": f"internal error: {type(error).__name__}: {error}"}, 500)

    async def body(request, limit: int, what: str) -> bytes:
        """The request's body, refused as soon as it passes ``limit`` bytes (whatever Content-Length claims)."""
        declared = request.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > limit:
            raise HTTPException(413, f"the {what} is {int(declared):,} bytes, over the limit of {limit:,} bytes")
        chunks, size = [], 0
        async for chunk in request.stream():
            size += len(chunk)
            if size > limit:
                raise HTTPException(413, f"the {what} is over the limit of {limit:,} bytes")
            chunks.append(chunk)
        return b"".join(chunks)

    def same_site(request) -> None:
        """Browsers name the page a request comes from; a page from elsewhere may not make this server ask, run or keep anything."""
        origin = request.headers.get("origin")
        if origin is not None and urlsplit(origin).netloc != request.headers.get("host"):
            raise HTTPException(403, f"requests from pages of other sites are refused ({origin[:100]})")

    async def json_body(request) -> dict:
        same_site(request)
        try:
            parsed = json.loads(await body(request, MAX_JSON_BYTES, "request"))
        except (json.JSONDecodeError, UnicodeDecodeError) as error:
            raise HTTPException(400, f"the request is not JSON ({error})") from None
        if not isinstance(parsed, dict):
            raise HTTPException(400, "the request must be a JSON object")
        return parsed

    async def page(request) -> Response:
        name = request.path_params.get("name", "index.html")
        if name not in pages:
            raise HTTPException(404, f"no page {name!r}")
        return Response(pages[name], media_type=PAGES[name], headers=HEADERS)

    async def tables(request) -> Response:
        return await answer(workspace.tables)

    async def upload(request) -> Response:
        same_site(request)
        data = await body(request, workspace.max_upload_bytes, "upload")
        return await answer(workspace.upload, request.query_params.get("name", ""), data)

    async def rows(request) -> Response:
        return await answer(workspace.rows, request.path_params["table"], dict(request.query_params))

    async def ask(request) -> Response:
        return await answer(workspace.ask, await json_body(request))

    async def run(request) -> Response:
        return await answer(workspace.run, await json_body(request))

    async def refused(request, error: HTTPException) -> Response:
        return reply(
            {"error": error.detail if error.status_code != 404 or error.detail != "Not Found" else f"no such page: {request.url.path}"}, error.status_code
        )

    routes = [
        Route("/", page),
        Route("/static/{name}", page),
        Route("/api/tables", tables, methods=["GET"]),
        Route("/api/tables", upload, methods=["POST"]),
        Route("/api/tables/{table}/rows", rows, methods=["GET"]),
        Route("/api/ask", ask, methods=["POST"]),
        Route("/api/run", run, methods=["POST"]),
    ]
    middleware = [Middleware(TrustedHostMiddleware, allowed_hosts=allowed_hosts)] if allowed_hosts else []
    return Starlette(routes=routes, middleware=middleware, exception_handlers={HTTPException: refused})


def listen(host: str, port: int) -> socket.socket:
    """A socket listening on ``host``:``port`` (0: any free port); a port in use is a one-line error.

    >>> listening = listen("127.0.0.1", 0)
    >>> listening.getsockname()[1] > 0
    True
    >>> listening.close()
    """
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    try:
        return socket.create_server((host, port), family=family, reuse_port=False)
    except OSError as error:
        raise NeuprogError(f"cannot listen on {host}:{port}: {error.strerror or error}") from None


def server(workspace: Workspace, host: str):
    """A uvicorn server of the inspector; on the loopback it answers only requests addressed to the loopback."""
    try:
        import uvicorn
    except ImportError:
        raise NeuprogError(MISSING_EXTRA) from None
    allowed = [*LOOPBACK, "[::1]"] if host in LOOPBACK else None
    return uvicorn.Server(uvicorn.Config(create_app(workspace, allowed), log_level="warning", access_log=False))


@contextmanager
def serving(workspace: Workspace, host: str = "127.0.0.1", port: int = 0) -> Iterator[str]:
    """Serve the inspector from a background thread for the length of a ``with`` block, which gets its address.

    For tests, benchmarks and notebooks; ``neuprog serve`` serves in the foreground.

    >>> import urllib.request
    >>> with serving(Workspace(None, [Table.from_csv("examples/cities.csv")])) as address:
    ...     urllib.request.urlopen(address + "api/tables").status
    200
    """
    listening = listen(host, port)
    running = server(workspace, host)
    thread = threading.Thread(target=running.run, kwargs={"sockets": [listening]}, name="neuprog-inspector", daemon=True)
    thread.start()
    while not running.started:
        if not thread.is_alive():
            raise NeuprogError(f"the inspector stopped while starting on {host}:{listening.getsockname()[1]}")
        time.sleep(0.01)
    try:
        yield f"http://{_bracketed(host)}:{listening.getsockname()[1]}/"
    finally:
        running.should_exit = True
        thread.join(timeout=10)
        listening.close()


def _bracketed(host: str) -> str:
    return f"[{host}]" if ":" in host else host


def serve_command(args) -> int:
    """``neuprog serve``: load the model and the tables, then serve the inspector (by default on 127.0.0.1 only)."""
    if any(importlib.util.find_spec(name) is None for name in ("starlette", "uvicorn")):  # before the model loads
        raise NeuprogError(MISSING_EXTRA)
    model = open_model(args.model)[0]
    tables = [read_table(path, args.encoding) for path in args.tables]
    workspace = Workspace(model, tables, max_upload_bytes=int(args.max_upload_mb * 1_000_000))
    model.ask(Table.from_rows(["a"], [["1"]]), "how many rows?")  # the first question of a process pays for warming up; pay it now
    listening = listen(args.host, args.port)
    if args.host not in LOOPBACK:
        print(
            f"neuprog: warning: serving on {args.host}, not the loopback: anyone who can reach this machine can ask, upload tables and read them",
            file=sys.stderr,
        )
    counted = f"{len(tables)} table{'' if len(tables) == 1 else 's'}"
    print(f"serving the inspector at http://{_bracketed(args.host)}:{listening.getsockname()[1]}/ ({counted}; Ctrl+C stops it)", flush=True)
    server(workspace, args.host).run(sockets=[listening])
    return 0
