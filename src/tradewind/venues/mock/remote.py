"""RemoteMockVenue: what a bot uses to trade on, and hear from, a mock venue server over TCP."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Iterable
from decimal import Decimal
from typing import Any, TypeVar

import msgspec

from tradewind.engine.clock import Clock
from tradewind.engine.protocols import EventSink, VenueAccount, VenueCapabilities
from tradewind.errors import ConfigError, TradewindError
from tradewind.model.data import QuoteTick, TradeTick
from tradewind.model.events import OrderCancelRejected, OrderModifyRejected, OrderRejected
from tradewind.model.identifiers import ClientOrderId, InstrumentId
from tradewind.model.orders import Order
from tradewind.venues.mock import protocol as wire

__all__ = ["RemoteMockVenue", "VenueConnectionError"]

log = logging.getLogger(__name__)

_Reply = TypeVar("_Reply", wire.AccountReply, wire.StatsReply)


class VenueConnectionError(ConnectionError, TradewindError):
    """The mock venue server cannot be reached, or the connection to it dropped."""


class RemoteMockVenue:
    """A mock venue server's execution client, data client and account source, in one.

    ``run(emit)`` holds the one streaming connection: it says hello with the last report
    sequence seen (so the server first re-sends every report after it), subscribes again to
    every held subscription, then pushes quotes, trades and order reports into ``emit`` until
    the connection drops (``VenueConnectionError``; the supervisor restarts it) or it is
    cancelled. ``submit``/``cancel``/``modify``/``query_order`` write to that connection and
    never block; with no connection a submit is refused locally (OrderRejected, definitive:
    it never left) and never re-sent. ``account()`` and ``stats()`` use a short connection of
    their own, so they work before ``run`` starts. With a ``clock``, events are stamped
    ``ts_init`` = when they were received; without one, ``ts_init`` is the venue's.
    """

    capabilities = VenueCapabilities(modify=True)
    """Amends natively; contingent orders are emulated by tradewind."""

    def __init__(
        self,
        host: str,
        port: int,
        *,
        venue: str = "SIM",
        clock: Clock | None = None,
        timeout: float = 5.0,
    ) -> None:
        self.venue = venue
        self.host = host
        self.port = port
        self.timeout = timeout
        self._clock = clock
        self._emit: EventSink = _unconnected
        self._writer: asyncio.StreamWriter | None = None
        self._running = False
        self._subscriptions: set[tuple[str, InstrumentId]] = set()
        self.last_seq = 0
        """The last account report received (or the sequence the last ``account()`` gave)."""
        self.bad_messages = 0
        """Lines from the server that were not messages of the protocol (logged, skipped)."""
        self.errors = 0
        """Error messages the server sent back (a request it could not take)."""

    @property
    def address(self) -> str:
        """``host:port`` of the server."""
        return f"{self.host}:{self.port}"

    @property
    def connected(self) -> bool:
        """True while the streaming connection is open (orders can leave)."""
        return self._writer is not None and not self._writer.is_closing()

    # --------------------------------------------------------- execution client
    def connect(self, emit: EventSink) -> None:
        """Send local refusals (orders that could not leave) to ``emit``."""
        self._emit = emit

    def submit(self, order: Order) -> None:
        """Send a new order; refused locally when not connected (never sent later)."""
        msg = wire.Submit(
            order.client_order_id,
            order.instrument_id,
            order.side,
            order.order_type,
            order.quantity,
            order.price,
            order.trigger_price,
            order.time_in_force,
            order.expire_time_ns,
            order.post_only,
            order.reduce_only,
        )
        if not self._send(msg):
            now = self._now()
            reason = f"{self._down()}: order not sent"
            self._emit(OrderRejected(order.client_order_id, reason, now, now))

    def cancel(self, order: Order) -> None:
        """Ask to cancel an order; refused locally when not connected."""
        if not self._send(wire.Cancel(order.client_order_id)):
            now = self._now()
            reason = f"{self._down()}: cancel not sent"
            self._emit(OrderCancelRejected(order.client_order_id, reason, now, now))

    def modify(
        self,
        order: Order,
        *,
        quantity: Decimal,
        price: Decimal | None,
        trigger_price: Decimal | None,
    ) -> None:
        """Ask to amend an order to these terms; refused locally when not connected."""
        if not self._send(wire.Modify(order.client_order_id, quantity, price, trigger_price)):
            now = self._now()
            reason = f"{self._down()}: modify not sent"
            self._emit(OrderModifyRejected(order.client_order_id, reason, now, now))

    def query_order(self, client_order_id: ClientOrderId) -> None:
        """Ask for an order's fills and status; nothing happens when not connected (the
        engine's reaper asks again later)."""
        self._send(wire.Query(client_order_id))

    # -------------------------------------------------------------- data client
    def subscribe(self, kind: str, instrument_id: InstrumentId) -> None:
        """Receive ``kind`` of one instrument, now and after every reconnect ("bars": the
        mock venue makes none, so its quotes and trades stream instead, to aggregate from)."""
        _check_kind(kind)
        self._subscriptions.add((kind, instrument_id))
        self._send(wire.Subscribe(kind, instrument_id))

    def unsubscribe(self, kind: str, instrument_id: InstrumentId) -> None:
        """Stop receiving ``kind`` of one instrument."""
        _check_kind(kind)
        self._subscriptions.discard((kind, instrument_id))
        self._send(wire.Unsubscribe(kind, instrument_id))

    @property
    def subscriptions(self) -> frozenset[tuple[str, InstrumentId]]:
        """The (kind, instrument) pairs held (sent again on every connection)."""
        return frozenset(self._subscriptions)

    async def run(self, emit: EventSink) -> None:
        """Connect, catch up on the reports after ``last_seq``, then stream into ``emit``.

        Raises ``VenueConnectionError`` (a ``ConnectionError``) when the server cannot be
        reached or the connection drops; leaves no connection behind for orders to use.
        """
        if self._running:
            raise ConfigError(
                f"RemoteMockVenue {self.venue}: run() is already running: run it once"
            )
        self._running = True
        try:
            reader, writer = await self._open()
            try:
                writer.write(wire.encode(wire.Hello(self.last_seq)))
                for kind, iid in sorted(self._subscriptions):
                    writer.write(wire.encode(wire.Subscribe(kind, iid)))
                self._writer = writer
                await writer.drain()
                while True:
                    try:
                        line = await reader.readline()
                    except ValueError:  # a line over the limit: dropped
                        self._bad(f"a line over {wire.MAX_LINE} bytes")
                        continue
                    if not line:
                        raise VenueConnectionError(
                            f"mock venue {self.venue} at {self.address} closed the connection"
                        )
                    self._on_line(line, emit)
            except VenueConnectionError:
                raise
            except OSError as exc:
                raise VenueConnectionError(
                    f"lost the connection to mock venue {self.venue} at {self.address}: {exc}"
                ) from None
            finally:
                self._writer = None
                writer.close()
                with contextlib.suppress(OSError):
                    await writer.wait_closed()
        finally:
            self._running = False

    def _on_line(self, line: bytes, emit: EventSink) -> None:
        try:
            msg = wire.decode_server(line)
            cls = msg.__class__
            if cls is wire.Quote:
                now = self._now(msg.ts_event)
                iid = InstrumentId(msg.instrument_id)
                emit(
                    QuoteTick(iid, msg.bid, msg.ask, msg.bid_size, msg.ask_size, msg.ts_event, now)
                )
            elif cls is wire.Trade:
                now = self._now(msg.ts_event)
                iid = InstrumentId(msg.instrument_id)
                emit(
                    TradeTick(
                        iid, msg.price, msg.size, msg.aggressor, msg.trade_id, msg.ts_event, now
                    )
                )
            elif cls is wire.Report:
                event: Any = wire.report_event(msg)
                if self._clock is not None:
                    event = msgspec.structs.replace(event, ts_init=self._clock.timestamp_ns())
                emit(event)
                if msg.seq > self.last_seq:
                    self.last_seq = msg.seq
            elif cls is wire.Welcome:
                self.last_seq = msg.last_seq  # every report up to it came before it
            elif cls is wire.Error:
                self.errors += 1
                log.warning("mock venue %s at %s: %s", self.venue, self.address, msg.message)
        except wire.BadMessage as exc:
            self._bad(str(exc))

    def _bad(self, what: str) -> None:
        self.bad_messages += 1
        log.warning("mock venue %s at %s sent %s", self.venue, self.address, what)

    # ----------------------------------------------------------- account source
    async def account(
        self, since_ns: int | None, client_order_ids: Iterable[ClientOrderId] = ()
    ) -> VenueAccount:
        """The venue's open orders and the asked ones it knows (absent: never received),
        positions, balances and fills with ``ts_event >= since_ns``. Resumes the report
        stream after the sequence number it is valid at (``last_seq``)."""
        request = wire.AccountRequest(since_ns, tuple(client_order_ids))
        reply = await self._ask(request, wire.AccountReply)
        self.last_seq = reply.last_seq
        return VenueAccount(
            venue=reply.venue,
            orders=tuple(reply.orders),
            positions={InstrumentId(k): v for k, v in reply.positions.items()},
            balances=dict(reply.balances),
            fills=tuple(reply.fills),
            ts_event=reply.ts_event,
        )

    async def stats(self) -> dict[str, Any]:
        """The server's counters (orders received, duplicate submits, open orders, fills, ...)."""
        reply = await self._ask(wire.StatsRequest(), wire.StatsReply)
        return {f: getattr(reply, f) for f in reply.__struct_fields__}

    async def _ask(self, request: wire.ClientMessage, reply_type: type[_Reply]) -> _Reply:
        what = request.__class__.__name__
        try:
            async with asyncio.timeout(self.timeout):
                reader, writer = await self._open()
                try:
                    writer.write(wire.encode(request))
                    await writer.drain()
                    while line := await reader.readline():
                        try:
                            msg = wire.decode_server(line)
                        except wire.BadMessage as exc:
                            self._bad(str(exc))
                            continue
                        if isinstance(msg, reply_type):
                            return msg
                        if isinstance(msg, wire.Error):
                            raise TradewindError(
                                f"mock venue {self.venue} at {self.address} refused {what}: "
                                f"{msg.message}"
                            )
                finally:
                    writer.close()
                    with contextlib.suppress(OSError):
                        await writer.wait_closed()
        except TimeoutError:
            raise VenueConnectionError(
                f"mock venue {self.venue} at {self.address}: no answer to {what} within "
                f"{self.timeout} s: is the server running?"
            ) from None
        except VenueConnectionError:
            raise
        except OSError as exc:
            raise VenueConnectionError(
                f"lost the connection to mock venue {self.venue} at {self.address}: {exc}"
            ) from None
        raise VenueConnectionError(
            f"mock venue {self.venue} at {self.address} closed the connection before "
            f"answering {what}"
        )

    # -------------------------------------------------------------------- wire
    async def _open(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        try:
            return await asyncio.open_connection(self.host, self.port, limit=wire.MAX_LINE)
        except OSError as exc:
            raise VenueConnectionError(
                f"cannot reach mock venue {self.venue} at {self.address} "
                f"({exc.strerror or exc}): start it with python -m tradewind.venues.mock.server"
            ) from None

    def _send(self, msg: wire.ClientMessage) -> bool:
        writer = self._writer
        if writer is None or writer.is_closing():
            return False
        writer.write(wire.encode(msg))
        return True

    def _down(self) -> str:
        return f"not connected to mock venue {self.venue} at {self.address}"

    def _now(self, fallback: int | None = None) -> int:
        if self._clock is not None:
            return self._clock.timestamp_ns()
        return time.time_ns() if fallback is None else fallback


def _check_kind(kind: str) -> None:
    if kind not in wire.KINDS:
        raise ConfigError(
            f"unknown data kind {kind!r} for the mock venue: use {', '.join(wire.KINDS)}"
        )


def _unconnected(event: object) -> None:
    raise ConfigError("RemoteMockVenue is not connected: add it with engine.add_venue(venue)")
