"""The ``/metrics`` endpoint: a minimal HTTP/1.1 server on the bot's own asyncio loop.

No threads and no framework: each scrape is answered on the loop, between two engine steps,
so what it reads is consistent. Only ``GET /metrics`` is served; any other path is 404, any
other method 405. It binds the host it is given — tradewind passes
127.0.0.1 unless configured otherwise (``prometheus_client.start_http_server`` would bind
every interface).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable

from tradewind.errors import ConfigError

log = logging.getLogger("tradewind.metrics")

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
"""The Prometheus text exposition format that ``prometheus_client.generate_latest`` writes."""
_REQUEST_TIMEOUT_S = 5.0
_REASONS = {
    200: "OK",
    400: "Bad Request",
    404: "Not Found",
    405: "Method Not Allowed",
    500: "Internal Server Error",
}


class MetricsEndpoint:
    """Serves ``render()`` at ``/metrics``; ``port`` is the port bound (port 0: a free one)."""

    def __init__(self, render: Callable[[], bytes]) -> None:
        self.render = render
        self.server: asyncio.Server | None = None
        self.port: int | None = None
        self.scrapes = 0

    async def serve(self, host: str, port: int) -> None:
        """Listen on ``host:port`` and answer until cancelled."""
        try:
            server = await asyncio.start_server(self._answer, host, port)
        except OSError as exc:
            raise ConfigError(
                f"metrics: cannot listen on {host}:{port} ({exc.strerror or exc}): choose "
                "another port with --metrics-port N or [metrics] port = N"
            ) from None
        self.server = server
        self.port = server.sockets[0].getsockname()[1]
        log.info("metrics on http://%s:%s/metrics", host, self.port)
        async with server:
            await server.serve_forever()

    async def _answer(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), _REQUEST_TIMEOUT_S)
            status, body, extra = self._respond(head)
            writer.write(_response(status, body, extra))
            await writer.drain()
        except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, TimeoutError):
            pass  # a client that went away or never finished its request
        except ConnectionError:
            pass  # the client hung up before the answer was written
        finally:
            writer.close()
            with contextlib.suppress(Exception):
                await writer.wait_closed()

    def _respond(self, head: bytes) -> tuple[int, bytes, dict[str, str]]:
        parts = head.split(b"\r\n", 1)[0].decode("latin-1").split()
        if len(parts) != 3 or not parts[2].startswith("HTTP/"):
            return 400, b"bad request\n", {}
        method, target = parts[0], parts[1]
        if target.split("?", 1)[0] != "/metrics":
            return 404, b"not found: metrics are at /metrics\n", {}
        if method != "GET":
            return 405, b"method not allowed: use GET\n", {"Allow": "GET"}
        try:
            body = self.render()
        except Exception as exc:
            log.error("metrics could not be rendered: %s: %s", type(exc).__name__, exc)
            return 500, b"metrics could not be rendered; see the bot's log\n", {}
        self.scrapes += 1
        return 200, body, {"Content-Type": CONTENT_TYPE}


def _response(status: int, body: bytes, headers: dict[str, str]) -> bytes:
    lines = [f"HTTP/1.1 {status} {_REASONS[status]}"]
    headers.setdefault("Content-Type", "text/plain; charset=utf-8")
    headers["Content-Length"] = str(len(body))
    headers["Connection"] = "close"
    lines += [f"{name}: {value}" for name, value in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body
