"""The dashboard service: the web app served by uvicorn on the bot's (or replay's) loop."""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import socket
import time
from collections.abc import Callable, Generator
from importlib.util import find_spec
from typing import TYPE_CHECKING, Any, TypeVar

from tradewind.errors import ConfigError
from tradewind.runtime.dashboard.snapshot import Cursor, strategy_snapshot
from tradewind.runtime.dashboard.source import BotSource, DashboardSource
from tradewind.runtime.dashboard.tape import SAMPLE_EVERY_S, MarketTape
from tradewind.runtime.env import Secret

if TYPE_CHECKING:
    from fastapi import FastAPI

    from tradewind.runtime.bot import Bot

LOOPBACK = ("127.0.0.1", "localhost", "::1")
_STOP_S = 2.0
"""How long a stopping dashboard waits for its connections to close."""
T = TypeVar("T")


def is_loopback(host: str) -> bool:
    """True for 127.0.0.1, ::1, any 127.x address and ``localhost``."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_exposure(host: str, token: Secret | None) -> None:
    """Refuse to serve beyond this machine without a token for the control endpoints."""
    if token is None and not is_loopback(host):
        raise ConfigError(
            f"dashboard host {host!r} is reachable from other machines and no "
            "TRADEWIND_DASHBOARD_TOKEN is set: keep host = '127.0.0.1' (reach it through an "
            "SSH tunnel) or export TRADEWIND_DASHBOARD_TOKEN"
        )


class Dashboard:
    """The web dashboard of a running bot (``Dashboard(bot, token)``) or of a paced replay
    (``Dashboard(ReplaySource(...))``): a tab per strategy, pushed over a WebSocket, and
    token-guarded control endpoints.

    ``await serve(host, port)`` runs it until cancelled; port 0 takes a free port, shown in
    ``port`` once the server listens.
    """

    def __init__(self, source: Bot | DashboardSource, token: Secret | None = None) -> None:
        if find_spec("fastapi") is None or find_spec("uvicorn") is None:
            raise ConfigError(
                "the dashboard needs FastAPI and uvicorn: pip install 'tradewind[dashboard]'"
            )
        self.source: DashboardSource = (
            source if isinstance(source, DashboardSource) else BotSource(source)
        )
        self.token = token
        self.tape = MarketTape()
        self.port: int | None = None
        """The port the server listens on (None until it listens)."""
        self.host: str | None = None
        configured = getattr(
            getattr(getattr(source, "config", None), "dashboard", None), "host", None
        )
        if isinstance(configured, str):
            check_exposure(configured, token)  # refuse at start, not at the first restart
        self.source.when_built(self.tape.attach)

    # --------------------------------------------------------------- reads
    def health(self) -> dict[str, Any]:
        """The source's health (the bot's: phase, services, feeds, loop lag, trading)."""
        return self.read(self.source.health)

    def message(self, cursor: Cursor) -> dict[str, Any]:
        """One WebSocket push: health and every strategy's snapshot (growing parts only
        since ``cursor`` last looked; the first message of a connection is whole)."""
        full = ("sent",) not in cursor
        cursor[("sent",)] = cursor.get(("sent",), 0) + 1
        strategies = list(self.source.strategies)
        return {
            "type": "snapshot",
            "full": full,
            "bot": self.source.name,
            "kind": self.source.kind,
            "ts_ms": time.time_ns() // 1_000_000,
            "health": self.source.health(),
            "order": [str(s.id) for s in strategies],
            "strategies": {
                str(s.id): strategy_snapshot(self.source, self.tape, s, cursor) for s in strategies
            },
        }

    def read(self, build: Callable[[], T]) -> T:
        """Run ``build``; a replay's engine works in another thread, so a dict it grows while
        we read is read again."""
        for _ in range(4):
            try:
                return build()
            except RuntimeError as exc:
                if "changed size during iteration" not in str(exc) and "mutated" not in str(exc):
                    raise
        return build()

    def app(self, host: str = "127.0.0.1") -> FastAPI:
        """The web app; on a loopback host it answers only to loopback Host names."""
        from tradewind.runtime.dashboard.app import build_app

        allowed = (*LOOPBACK, host.lower().strip("[]")) if is_loopback(host) else None
        return build_app(self, allowed_hosts=allowed)

    # ------------------------------------------------------------- serving
    async def serve(self, host: str = "127.0.0.1", port: int = 0) -> None:
        """Serve until cancelled (a supervised service). Signals stay with the bot."""
        import uvicorn

        check_exposure(host, self.token)
        if find_spec("websockets") is None and find_spec("wsproto") is None:
            raise ConfigError(
                "the dashboard's live updates need a WebSocket library: "
                "pip install 'tradewind[dashboard]' (it brings websockets)"
            )
        sock = _bind(host, port)
        config = uvicorn.Config(
            self.app(host),
            host=host,
            port=port,
            log_level="warning",
            log_config=None,  # uvicorn logs through ours: our format, redacted
            lifespan="off",
            access_log=False,
            server_header=False,
            timeout_graceful_shutdown=1,
        )
        server = _quiet_server(config, lambda: self._listening(host, sock))
        sampler = asyncio.ensure_future(self._sample())
        serving = asyncio.ensure_future(server.serve(sockets=[sock]))
        try:
            await asyncio.shield(serving)
        finally:
            sampler.cancel()
            self.port = None
            if not serving.done():
                # cancelled (the bot stops): close the pages' sockets, then stop listening
                server.should_exit = True
                with contextlib.suppress(BaseException):
                    await asyncio.wait_for(asyncio.shield(serving), _STOP_S)
                if not serving.done():
                    server.force_exit = True
                    serving.cancel()
            sock.close()

    def _listening(self, host: str, sock: socket.socket) -> None:
        self.host = host
        self.port = int(sock.getsockname()[1])

    async def _sample(self) -> None:
        while True:
            self.read(self.tape.sample)
            await asyncio.sleep(SAMPLE_EVERY_S)


def _quiet_server(config: Any, on_listening: Callable[[], None]) -> Any:
    """uvicorn's Server without its signal handlers (the bot owns SIGINT and SIGTERM), telling
    ``on_listening`` once it accepts connections."""
    import uvicorn

    class QuietServer(uvicorn.Server):
        @contextlib.contextmanager
        def capture_signals(self) -> Generator[None, None, None]:
            yield

        def install_signal_handlers(self) -> None:  # uvicorn < 0.29
            pass

        async def startup(self, sockets: list[socket.socket] | None = None) -> None:
            await super().startup(sockets=sockets)
            if self.started:
                on_listening()

    return QuietServer(config)


def _bind(host: str, port: int) -> socket.socket:
    """A listening-ready socket on ``host:port`` (our own, so a busy port is a clear error
    instead of uvicorn exiting the process)."""
    try:
        infos = socket.getaddrinfo(
            host.strip("[]"), port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
        )
    except socket.gaierror as exc:
        raise ConfigError(f"dashboard host {host!r} is not an address ({exc}): fix it") from None
    family, kind, proto, _, address = infos[0]
    sock = socket.socket(family, kind, proto)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind(address)
    except OSError as exc:
        sock.close()
        raise ConfigError(
            f"dashboard cannot listen on {host}:{port} ({exc.strerror}): choose another "
            "port (0 takes a free one)"
        ) from None
    return sock
