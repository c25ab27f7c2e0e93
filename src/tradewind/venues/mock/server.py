"""The mock venue as its own local server: a synthetic feed and the simulated venue behind TCP.

``python -m tradewind.venues.mock.server --port 0 --instrument BTCUSDT:tick=0.01,lot=0.001``
starts one; it outlives the bots that connect to it (``RemoteMockVenue``), so a bot can be
killed and restarted against the same orders, fills and positions.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import sys
from collections.abc import Callable, Iterable, Mapping
from decimal import Decimal
from typing import Any

from tradewind.engine.clock import LiveClock
from tradewind.errors import ConfigError, TradewindError
from tradewind.model.data import QuoteTick, TradeTick
from tradewind.model.events import TimeEvent
from tradewind.model.instrument import Instrument
from tradewind.venues.mock import protocol as wire
from tradewind.venues.mock.desk import OrderDesk
from tradewind.venues.mock.feed import MockFeed
from tradewind.venues.mock.ledger import AccountLedger
from tradewind.venues.mock.options import server_options
from tradewind.venues.mock.sessions import ClientSession, ClientSessions, ReportLog, send_all
from tradewind.venues.simulated import FeeModel, LatencyModel, SimulatedVenue

__all__ = ["MockVenueServer", "main"]

log = logging.getLogger(__name__)

DEFAULT_BALANCE = Decimal(100_000)
"""What the account opens with, in the first instrument's quote currency, unless told."""


class MockVenueServer:
    """A ``MockFeed`` and a ``SimulatedVenue`` on one ``LiveClock``, served over JSON lines.

    Orders match against the quotes and trades the feed prints (every instrument walks and
    matches, subscribed or not); each client gets only the data it subscribed to. Every
    report of the account is numbered and kept: a client that says ``Hello(last_seq)``
    first receives every report after ``last_seq``. A client order id is accepted once;
    a second submit of it is refused and counted (``stats()["duplicate_submits"]``).
    """

    def __init__(
        self,
        instruments: Iterable[Instrument],
        *,
        venue: str = "SIM",
        host: str = "127.0.0.1",
        port: int = 0,
        rate_hz: float = 20.0,
        seed: int = 0,
        fees: FeeModel | None = None,
        latency: LatencyModel | None = None,
        balances: Mapping[str, Decimal | int | str] | None = None,
        start_prices: Mapping[str, float] | None = None,
    ) -> None:
        listed = list(instruments)
        if not listed:
            raise ConfigError("mock venue: no instrument given: pass --instrument SYMBOL:tick=..")
        for inst in listed:
            if inst.venue != venue:
                raise ConfigError(
                    f"mock venue {venue}: instrument {inst.id} is on venue {inst.venue}: "
                    f"list it on {venue}"
                )
        self.venue = venue
        self.host = host
        self._port = port
        self.instruments = {inst.id: inst for inst in listed}
        self.clock = LiveClock(self._on_time)
        self.feed = MockFeed(
            listed, rate_hz=rate_hz, seed=seed, start_prices=start_prices, clock=self.clock
        )
        for inst in listed:
            self.feed.subscribe(inst.id)  # every book keeps matching, watched or not
        self.matching = SimulatedVenue(venue, clock=self.clock, fees=fees, latency=latency)
        for inst in listed:
            self.matching.add_instrument(inst)
        self.matching.connect(self._on_report)
        opening = balances or {listed[0].quote: DEFAULT_BALANCE}
        self.ledger = AccountLedger(venue, listed, opening)
        self.desk = OrderDesk(self.ledger, self.matching, self._on_report, self.clock.timestamp_ns)
        self._reports = ReportLog()
        self._sessions = ClientSessions(self.instruments)
        self._clients: set[asyncio.Task[Any]] = set()
        self._server: asyncio.Server | None = None
        self._feed_task: asyncio.Task[None] | None = None
        self._closed = asyncio.Event()
        self._closing = False
        self.bad_messages = 0
        self._handlers: dict[type, Any] = {
            wire.Hello: self._hello,
            wire.Subscribe: self._subscribe,
            wire.Unsubscribe: self._unsubscribe,
            wire.Submit: self._to_desk(self.desk.submit),
            wire.Cancel: self._to_desk(self.desk.cancel),
            wire.Modify: self._to_desk(self.desk.modify),
            wire.Query: self._to_desk(self.desk.query),
            wire.AccountRequest: self._account,
            wire.StatsRequest: self._stats,
        }

    # --------------------------------------------------------------- lifecycle
    async def start(self) -> None:
        """Listen on ``host:port`` and start the feed."""
        self._server = await asyncio.start_server(
            self._serve_client, self.host, self._port, limit=wire.MAX_LINE
        )
        self._feed_task = asyncio.get_running_loop().create_task(self.feed.run(self._on_market))
        self._feed_task.add_done_callback(_feed_ended)

    @property
    def port(self) -> int:
        """The port listened on (the one the system chose for ``port=0``)."""
        if self._server is None or not self._server.sockets:
            raise ConfigError("mock venue: not listening yet: await start() first")
        return int(self._server.sockets[0].getsockname()[1])

    async def serve_forever(self) -> None:
        """Serve until ``close()``."""
        await self._closed.wait()

    async def close(self) -> None:
        """Stop the feed, disconnect every client and stop listening (idempotent)."""
        if self._closing:
            await self._closed.wait()
            return
        self._closing = True
        if self._feed_task is not None:
            self._feed_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._feed_task
        if self._server is not None:
            self._server.close()
        for session in list(self._sessions):
            session.writer.close()
        if self._clients:
            await asyncio.wait(self._clients, timeout=5.0)
        if self._server is not None:
            await self._server.wait_closed()
        self._closed.set()

    def stats(self) -> dict[str, Any]:
        """Counters: orders received, duplicate submits, open orders, fills, positions, ..."""
        reply = self._stats_reply()
        return {f: getattr(reply, f) for f in reply.__struct_fields__}

    def _stats_reply(self) -> wire.StatsReply:
        ledger = self.ledger
        positions = {str(iid): p.quantity for iid, p in ledger.positions.items() if p.quantity}
        return wire.StatsReply(
            venue=self.venue,
            orders_received=self.desk.orders_received,
            duplicate_submits=self.desk.duplicate_submits,
            open_orders=len(ledger.open),
            fills=len(ledger.fills),
            positions=positions,
            bad_messages=self.bad_messages,
            reports=len(self._reports),
            clients=len(self._sessions),
        )

    # ------------------------------------------------------------ venue side
    def _on_time(self, event: TimeEvent) -> None:
        self.matching.on_time(event)

    def _on_market(self, event: object) -> None:
        try:
            self._sessions.publish(event)
            if isinstance(event, QuoteTick):
                self.matching.on_quote(event)
            elif isinstance(event, TradeTick):
                self.matching.on_trade(event)
        except Exception:  # a bug in one step must not stop the market for everyone
            log.exception("mock venue: a market step failed")

    def _on_report(self, event: object) -> None:
        """A report of the account: book it, number it, keep it, stream it."""
        if not self.ledger.apply(event):
            return  # a fill already booked
        line = self._reports.add(event)
        send_all(self._sessions.streaming(), line)

    # ----------------------------------------------------------- client side
    async def _serve_client(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        session = self._sessions.connect(writer)
        task = asyncio.current_task()
        if task is not None:
            self._clients.add(task)
            task.add_done_callback(self._clients.discard)
        try:
            while not writer.is_closing():
                try:
                    line = await reader.readline()
                except ValueError:  # over the line limit: the buffer was dropped
                    self._bad(session, f"a line over {wire.MAX_LINE} bytes")
                    continue
                if not line:
                    break
                if line.strip():
                    self._dispatch(session, line)
                    await writer.drain()
        except ConnectionError:
            pass  # the client went away; its orders stay
        finally:
            self._sessions.disconnect(session)
            writer.close()
            with contextlib.suppress(OSError):
                await writer.wait_closed()

    def _dispatch(self, session: ClientSession, line: bytes) -> None:
        try:
            message = wire.decode_client(line)
        except wire.BadMessage as exc:
            self._bad(session, str(exc))
            return
        try:
            self._handlers[message.__class__](session, message)
        except TradewindError as exc:
            session.send(wire.encode(wire.Error(f"{message.__class__.__name__}: {exc}")))
        except Exception as exc:  # a bug must not take the venue down for everyone
            log.exception("mock venue: %s failed", message.__class__.__name__)
            session.send(wire.encode(wire.Error(f"{message.__class__.__name__} failed: {exc!r}")))

    def _bad(self, session: ClientSession, what: str) -> None:
        self.bad_messages += 1
        log.warning("mock venue: refused from %s: %s", session.peer, what)
        session.send(wire.encode(wire.Error(what)))

    @staticmethod
    def _to_desk(request: Callable[[Any], list[object]]) -> Callable[[ClientSession, Any], None]:
        """An order request for the desk; its answers go to the requester only (seq 0)."""

        def handle(session: ClientSession, msg: Any) -> None:
            for event in request(msg):
                session.send(wire.encode_report(0, event))

        return handle

    def _hello(self, session: ClientSession, msg: wire.Hello) -> None:
        for line in self._reports.after(msg.last_seq):
            session.send(line)
        session.send(wire.encode(wire.Welcome(self.venue, len(self._reports))))
        session.streaming = True

    def _subscribe(self, session: ClientSession, msg: wire.Subscribe) -> None:
        self._sessions.subscribe(session, msg.kind, msg.instrument_id)

    def _unsubscribe(self, session: ClientSession, msg: wire.Unsubscribe) -> None:
        self._sessions.unsubscribe(session, msg.kind, msg.instrument_id)

    def _account(self, session: ClientSession, msg: wire.AccountRequest) -> None:
        now = self.clock.timestamp_ns()
        acc = self.ledger.account(msg.since_ns, msg.client_order_ids, now)
        reply = wire.AccountReply(
            acc.venue,
            list(acc.orders),
            {str(k): v for k, v in acc.positions.items()},
            acc.balances,
            list(acc.fills),
            acc.ts_event,
            len(self._reports),
        )
        session.send(wire.encode(reply))

    def _stats(self, session: ClientSession, msg: wire.StatsRequest) -> None:
        session.send(wire.encode(self._stats_reply()))


def _feed_ended(task: asyncio.Task[None]) -> None:
    if not task.cancelled() and task.exception() is not None:
        log.error("mock venue: the feed stopped: %r", task.exception())


async def _serve(server: MockVenueServer) -> None:
    await server.start()
    print(
        f"tradewind mock venue {server.venue} listening on {server.host}:{server.port}", flush=True
    )
    loop = asyncio.get_running_loop()
    stopping: list[asyncio.Task[None]] = []
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, lambda: stopping.append(loop.create_task(server.close())))
    await server.serve_forever()


def main(argv: list[str] | None = None) -> int:
    """Run a mock venue server until SIGINT or SIGTERM: 0 on a clean stop, 2 on bad arguments."""
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    try:
        server = MockVenueServer(**server_options(argv))
    except TradewindError as exc:
        print(f"tradewind mock venue: {exc}", file=sys.stderr)
        return 2
    try:
        asyncio.run(_serve(server))
    except OSError as exc:
        print(f"tradewind mock venue: cannot listen on {server.host}: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
