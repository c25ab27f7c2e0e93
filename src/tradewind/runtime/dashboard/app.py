"""The dashboard's web app: the page, the REST and WebSocket API, and the control endpoints.

Reads come from the dashboard's source (a bot or a replay) and its tape; control goes only
through the source's commands (``bot.handle``), each behind ``Authorization: Bearer <token>``.
Every response is JSON built by ``snapshot``: amounts are exact decimal strings, and no
response ever holds the token or another secret.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import json
import logging
from collections.abc import Awaitable, Callable, Collection
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from fastapi import FastAPI, Request, WebSocket
from fastapi.responses import FileResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles

from tradewind.errors import ConfigError
from tradewind.runtime.dashboard.snapshot import (
    Cursor,
    find_strategy,
    strategy_ids,
    strategy_row,
    strategy_schema,
    strategy_snapshot,
)
from tradewind.runtime.dashboard.source import ControlUnavailable

if TYPE_CHECKING:
    from tradewind.runtime.dashboard.server import Dashboard

STATIC = Path(__file__).parent / "static"
PUSH_EVERY_S = 0.4
"""How often the WebSocket pushes every strategy's snapshot (2.5 times a second)."""
NO_TOKEN = "control is disabled: set TRADEWIND_DASHBOARD_TOKEN"
_SECURITY_HEADERS = {
    "content-security-policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
    ),
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "x-frame-options": "DENY",
}

log = logging.getLogger("tradewind.dashboard")


def build_app(dashboard: Dashboard, *, allowed_hosts: Collection[str] | None = None) -> FastAPI:
    """The FastAPI app serving ``dashboard``.

    ``allowed_hosts``: the only ``Host`` header names accepted (a loopback server takes
    127.0.0.1, localhost and ::1 only, so a web page cannot reach it by DNS rebinding);
    None accepts any.
    """
    app = FastAPI(title="tradewind dashboard", docs_url=None, redoc_url=None, openapi_url=None)
    source = dashboard.source

    @app.middleware("http")
    async def guard(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Any:
        if not _host_allowed(request.headers.get("host"), allowed_hosts):
            return _error(400, "unknown Host header: open the dashboard at its own address")
        response = await call_next(request)
        response.headers.update(_SECURITY_HEADERS)
        if request.url.path.startswith("/api/"):
            response.headers["cache-control"] = "no-store"
        return response

    app.mount("/static", StaticFiles(directory=STATIC), name="static")

    @app.get("/", include_in_schema=False)
    async def page() -> FileResponse:
        return FileResponse(STATIC / "index.html", headers={"cache-control": "no-store"})

    @app.get("/api/health")
    async def health() -> JSONResponse:
        return JSONResponse(dashboard.health())

    @app.get("/api/strategies")
    async def strategies() -> JSONResponse:
        rows = dashboard.read(lambda: [strategy_row(source, s) for s in list(source.strategies)])
        return JSONResponse({"bot": source.name, "kind": source.kind, "strategies": rows})

    @app.get("/api/strategies/{name}")
    async def strategy(name: str) -> JSONResponse:
        found = find_strategy(source, name)
        if found is None:
            return _unknown_strategy(source, name)
        return JSONResponse(
            dashboard.read(lambda: strategy_snapshot(source, dashboard.tape, found))
        )

    @app.get("/api/strategies/{name}/schema")
    async def schema(name: str) -> JSONResponse:
        found = find_strategy(source, name)
        if found is None:
            return _unknown_strategy(source, name)
        return JSONResponse(strategy_schema(found))

    @app.post("/api/strategies/{name}/pause")
    async def pause(name: str, request: Request) -> JSONResponse:
        return await _control(dashboard, request, "pause", name)

    @app.post("/api/strategies/{name}/resume")
    async def resume(name: str, request: Request) -> JSONResponse:
        return await _control(dashboard, request, "resume", name)

    @app.post("/api/cancel_all")
    async def cancel_all(request: Request, strategy: str | None = None) -> JSONResponse:
        return await _control(dashboard, request, "cancel_all", strategy)

    @app.post("/api/close_all")
    async def close_all(request: Request, strategy: str | None = None) -> JSONResponse:
        return await _control(dashboard, request, "close_all", strategy)

    @app.post("/api/kill")
    async def kill(request: Request) -> JSONResponse:
        return await _control(dashboard, request, "kill", None)

    @app.websocket("/ws")
    async def stream(websocket: WebSocket) -> None:
        headers = websocket.headers
        if not _host_allowed(headers.get("host"), allowed_hosts) or not _same_origin(
            headers.get("origin"), headers.get("host")
        ):
            await websocket.close(code=1008)
            return
        await websocket.accept()
        pushing = asyncio.ensure_future(_push(dashboard, websocket))
        closed = asyncio.ensure_future(_closed(websocket))
        try:
            await asyncio.wait({pushing, closed}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in (pushing, closed):
                task.cancel()
            with contextlib.suppress(BaseException):
                await asyncio.gather(pushing, closed, return_exceptions=True)
            with contextlib.suppress(Exception):
                await websocket.close()

    return app


async def _push(dashboard: Dashboard, websocket: WebSocket) -> None:
    """Every ``PUSH_EVERY_S``: health and every strategy's snapshot, only what is new."""
    cursor: Cursor = {}
    with contextlib.suppress(Exception):  # the page went away mid-send
        while True:
            message = dashboard.read(lambda: dashboard.message(cursor))
            await websocket.send_text(json.dumps(message, allow_nan=False))
            await asyncio.sleep(PUSH_EVERY_S)


async def _closed(websocket: WebSocket) -> None:
    """Return when the page (or the server, stopping) closes the connection."""
    with contextlib.suppress(Exception):
        while True:
            message = await websocket.receive()
            if message["type"] == "websocket.disconnect":
                return


async def _control(
    dashboard: Dashboard, request: Request, command: str, strategy: str | None
) -> JSONResponse:
    """Authorize, then run ``command`` through the source (the same commands as the API)."""
    source = dashboard.source
    if source.kind == "replay":
        return _error(409, f"{command} is not available in a replay: it takes no commands")
    token = dashboard.token
    if token is None:
        return _error(403, NO_TOKEN)
    given = request.headers.get("authorization", "")
    scheme, _, value = given.partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(
        value.strip().encode(), token.reveal().encode()
    ):
        response = _error(401, "missing or wrong token: send Authorization: Bearer <token>")
        response.headers["www-authenticate"] = "Bearer"
        return response
    if strategy is not None and find_strategy(source, strategy) is None:
        return _unknown_strategy(source, strategy)
    args: dict[str, Any] = {}
    if command in ("pause", "resume", "cancel_all", "close_all"):
        args["strategy"] = strategy
    if command == "kill":
        args["reason"] = "kill switch (dashboard)"
    try:
        result = await source.command(command, **args)
    except (ControlUnavailable, ConfigError) as exc:
        return _error(409, str(exc))
    log.warning("dashboard command %s%s", command, f" strategy={strategy}" if strategy else "")
    return JSONResponse({"command": command, "strategy": strategy, "result": result})


def _unknown_strategy(source: Any, name: str) -> JSONResponse:
    known = strategy_ids(source)
    return JSONResponse(
        {
            "error": f"no strategy {name!r} (strategies: {', '.join(known) or 'none'})",
            "strategies": known,
        },
        status_code=404,
    )


def _error(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status)


def _host_name(host: str | None) -> str:
    """The name in a Host header, without the port (``[::1]:80`` -> ``::1``)."""
    if not host:
        return ""
    return (urlsplit(f"//{host}").hostname or "").lower()


def _host_allowed(host: str | None, allowed: Collection[str] | None) -> bool:
    return allowed is None or _host_name(host) in allowed


def _same_origin(origin: str | None, host: str | None) -> bool:
    """A browser's WebSocket from another site carries its Origin: refuse it (another page
    must not read the bot's state); clients that send no Origin are not browsers."""
    if origin is None:
        return True
    try:
        netloc = urlsplit(origin).netloc
    except ValueError:
        return False
    return bool(host) and netloc.lower() == (host or "").lower()
